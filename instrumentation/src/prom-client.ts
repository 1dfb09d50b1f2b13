/**
 * The prom-client road: the wrappers' metrics on a prom-client registry, with no OpenTelemetry SDK.
 *
 *   import { registerPromClientMetrics } from '@hmac-slo/instrumentation/prom-client';
 *   registerPromClientMetrics();               // prom-client's default registry; or pass your Registry
 *   app.get('/metrics', async (_req, res) => res.type(register.contentType).send(await register.metrics()));
 *
 * Nothing is added to the request path: the wrappers already count into their own tables (cells.ts);
 * each family here reads those tables when the registry is scraped, through the same readers the
 * OpenTelemetry callbacks and the opt-in metric producer use (hub.ts). Latency histograms switch to
 * the bucket tables (as under the producer), so with this road the wrappers' histograms reach
 * prom-client only; counters and gauges still reach an SDK too if one is installed.
 *
 * Names, labels, buckets, HELP and TYPE are the contract's (docs/metrics.md "Roads into Prometheus").
 * prom-client is an optional peer dependency: only this subpath imports it.
 */
import type { Attributes, MeterProvider } from '@opentelemetry/api';
import promClient, { type Registry, type RegistryContentType } from 'prom-client';
import { INSTRUMENTS, promLabel, type InstrumentSpec } from './contract.js';
import { COUNTERS, GAUGES, HISTOGRAMS, SUMMED, hubFor, type Hub } from './telemetry/hub.js';

export interface PromClientMetricsOptions {
  /** The provider the wrappers were given (`meterProvider` option); default: wrappers without one. */
  meterProvider?: MeterProvider;
}

/** What prom-client's registry reads from a metric (the shape its own classes' `get()` returns). */
interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}
interface TableFamily {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  aggregator: 'sum' | 'max';
  get(): Promise<{ name: string; help: string; type: string; aggregator: 'sum' | 'max'; values: MetricValue[] }>;
  reset(): void;
}

/**
 * Register one family per contract instrument on `registry` (prom-client's default when omitted),
 * in either of prom-client's formats (`Registry<OpenMetricsContentType>` too).
 * Returns a function that removes them again.
 */
export function registerPromClientMetrics(registry: Registry<RegistryContentType> = promClient.register, options: PromClientMetricsOptions = {}): () => void {
  const hub = hubFor(options.meterProvider);
  const families: TableFamily[] = [
    ...COUNTERS.map((name) => family(INSTRUMENTS[name], 'counter', () => counterValues(hub, name))),
    ...HISTOGRAMS.map((name) => family(INSTRUMENTS[name], 'histogram', () => histogramValues(hub, name, INSTRUMENTS[name].prometheus))),
    // Under prom-client's cluster support (AggregatorRegistry) each worker's values are combined by
    // `aggregator`: counts and the replay caches add up, as two sources in one process do; the
    // client windows take the largest worker's count (each worker sees the same clients, as
    // replicas do: the contract's acrossSources 'max'); every worker observes the same key ring, so
    // its gauges must not be multiplied by the number of workers.
    ...GAUGES.map((name) => family(INSTRUMENTS[name], 'gauge', () => gaugeValues(hub, name), SUMMED.has(name) ? 'sum' : 'max')),
  ];
  // All or nothing: a half-registered set would throw on the next try and leave families behind.
  const taken = families.find((f) => registry.getSingleMetric(f.name) !== undefined);
  if (taken !== undefined) {
    throw new Error(`registerPromClientMetrics: the registry already holds a metric named ${taken.name} (registerPromClientMetrics was called for this registry before, or the application has a metric of that name); nothing was registered`);
  }
  // Duck-typed: prom-client's registry only calls get() and reset() on what it holds.
  for (const f of families) registry.registerMetric(f as unknown as Parameters<Registry['registerMetric']>[0]);
  hub.tablesMode = true;
  // By the contract's names: an OpenMetrics scrape renames counter families (see family()).
  const names = families.map((f) => f.name);
  return () => {
    families.forEach((f, i) => {
      if (registry.getSingleMetric(names[i]!) === (f as unknown)) registry.removeSingleMetric(names[i]!);
    });
  };
}

function family(spec: InstrumentSpec, type: TableFamily['type'], read: () => MetricValue[], aggregator: TableFamily['aggregator'] = 'sum'): TableFamily {
  const f: TableFamily = {
    name: spec.prometheus,
    help: spec.description,
    type,
    aggregator,
    // `name` as it is at scrape time, as prom-client's own Counter does: on an OpenMetrics registry
    // prom-client drops a counter's `_total` from the family name and appends it to every sample.
    get: async () => ({ name: f.name, help: f.help, type, aggregator, values: read() }),
    reset() {},
  };
  return f;
}

function labelsOf(attributes: Attributes): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(attributes)) if (value !== undefined) labels[promLabel(key)] = String(value);
  return labels;
}

function counterValues(hub: Hub, name: (typeof COUNTERS)[number]): MetricValue[] {
  // Keyed by label set: one line per series even if two tables ever held the same attributes.
  const series = new Map<string, MetricValue>();
  for (const cells of hub.counterCells[name].values()) {
    cells.observe({
      observe(value, attributes = {}) {
        const labels = labelsOf(attributes);
        const key = JSON.stringify(labels);
        const prev = series.get(key);
        if (prev === undefined) series.set(key, { value, labels });
        else prev.value += value;
      },
    });
  }
  return [...series.values()];
}

function gaugeValues(hub: Hub, name: (typeof GAUGES)[number]): MetricValue[] {
  const values: MetricValue[] = [];
  hub.readGauge(name, (value, attributes) => values.push({ value, labels: labelsOf(attributes) }));
  return values;
}

/** `_bucket` lines are cumulative with `le` as the collector writes it (String(bound), "+Inf"). */
function histogramValues(hub: Hub, name: (typeof HISTOGRAMS)[number], family: string): MetricValue[] {
  const values: MetricValue[] = [];
  for (const cells of hub.histogramCells[name].values()) {
    for (const reading of cells.readings()) {
      const labels = labelsOf(reading.attributes);
      let cumulative = 0;
      reading.buckets.forEach((n, i) => {
        cumulative += n;
        const le = i < cells.boundaries.length ? String(cells.boundaries[i]) : '+Inf';
        values.push({ metricName: `${family}_bucket`, labels: { ...labels, le }, value: cumulative });
      });
      values.push({ metricName: `${family}_sum`, labels, value: reading.sum });
      values.push({ metricName: `${family}_count`, labels, value: reading.count });
    }
  }
  return values;
}
