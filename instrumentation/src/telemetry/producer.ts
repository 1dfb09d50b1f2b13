/**
 * The opt-in fast path for histograms: an OpenTelemetry SDK `MetricProducer`.
 *
 * The metrics API has no observable histogram, so on the drop-in path every latency goes through the
 * SDK's synchronous `histogram.record`, which hashes the attribute object on every call (about as much
 * as the HMAC itself costs on small bodies). With this producer installed, the wrappers keep latency
 * histograms in preallocated bucket tables instead (a bucket increment per call) and the producer hands
 * them to the SDK at collection time:
 *
 *   const producer = createMetricProducer();                    // before or right after wrapping
 *   new PeriodicExportingMetricReader({ exporter, metricProducers: [producer] });
 *   // or: new PrometheusExporter({ metricProducers: [producer, ...], ... })
 *
 * Trade-offs (docs/metrics.md "Performance"): it needs access to the reader's construction (not
 * drop-in); data points are always cumulative (a delta-preferring exporter receives cumulative
 * histograms, which OTLP allows); SDK views do not apply to producer output — pass
 * `views: PROMETHEUS_EXPORTER_VIEWS` to the producer for `@opentelemetry/exporter-prometheus`.
 *
 * Structurally typed against sdk-metrics 2.x so the package keeps depending on `@opentelemetry/api` only.
 */
import { ValueType, type Attributes, type MeterProvider } from '@opentelemetry/api';
import { INSTRUMENTS } from '../contract.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../version.js';
import { hrNow, type HrTime } from './cells.js';
import { hubFor, HISTOGRAMS } from './hub.js';

/** sdk-metrics `DataPointType.HISTOGRAM` and `AggregationTemporality.CUMULATIVE`. */
const HISTOGRAM_POINT = 0 as const;
const CUMULATIVE = 1 as const;

export interface MetricProducerOptions {
  /** The provider the wrappers were given; default: the global one (wrappers without `meterProvider`). */
  meterProvider?: MeterProvider;
  /** Renames, like SDK views: pass `PROMETHEUS_EXPORTER_VIEWS` when the reader is exporter-prometheus. */
  views?: ReadonlyArray<{ instrumentName: string; name: string }>;
}

export interface HistogramPoint {
  startTime: HrTime;
  endTime: HrTime;
  attributes: Attributes;
  value: { buckets: { boundaries: number[]; counts: number[] }; sum: number; count: number; min: number; max: number };
}

export interface HmacMetricProducer {
  /**
   * Serve the wrappers that report to `meterProvider` (undefined: the global provider). For explicit
   * providers: the reader needs the producer before the provider exists, so create the producer
   * first, build reader and provider, then `attach(provider)` before wrapping.
   */
  attach(meterProvider: MeterProvider | undefined): void;
  collect(): Promise<{
    // The SDK replaces the resource with its own; typed loosely to avoid depending on @opentelemetry/resources.
    resourceMetrics: { resource: any; scopeMetrics: Array<{ scope: { name: string; version: string }; metrics: any[] }> };
    errors: unknown[];
  }>;
}

export function createMetricProducer(options: MetricProducerOptions = {}): HmacMetricProducer {
  let hub = hubFor(options.meterProvider);
  hub.tablesMode = true;
  const rename = new Map((options.views ?? []).map((v) => [v.instrumentName, v.name]));
  const scope = { name: PACKAGE_NAME, version: PACKAGE_VERSION };
  return {
    attach(meterProvider) {
      hub.tablesMode = false;
      hub = hubFor(meterProvider);
      hub.tablesMode = true;
    },
    async collect() {
      const endTime = hrNow();
      const metrics = [];
      for (const name of HISTOGRAMS) {
        const spec = INSTRUMENTS[name];
        const dataPoints: HistogramPoint[] = [];
        for (const cells of hub.histogramCells[name].values()) {
          for (const { attributes, buckets, sum, count, min, max } of cells.readings()) {
            dataPoints.push({
              startTime: cells.startTime,
              endTime,
              attributes,
              value: { buckets: { boundaries: [...cells.boundaries], counts: buckets }, sum, count, min, max },
            });
          }
        }
        if (dataPoints.length === 0) continue;
        metrics.push({
          descriptor: { name: rename.get(spec.name) ?? spec.name, description: spec.description, unit: spec.unit, valueType: ValueType.DOUBLE },
          aggregationTemporality: CUMULATIVE,
          dataPointType: HISTOGRAM_POINT,
          dataPoints,
        });
      }
      return {
        resourceMetrics: { resource: undefined, scopeMetrics: metrics.length > 0 ? [{ scope, metrics }] : [] },
        errors: [],
      };
    },
  };
}
