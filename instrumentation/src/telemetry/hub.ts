/**
 * The hub: one per meter provider (or one for "whatever the global provider is"). It owns the count
 * tables shared by every wrapper reporting to that provider, creates the instruments once, and
 * registers the observable callbacks that read the tables at collection time.
 *
 * Sharing matters: two wrappers with the same scheme must add to the same series, because an
 * observable callback that observed one attribute set twice would keep only the last value.
 */
import {
  metrics,
  trace,
  ValueType,
  type Attributes,
  type Histogram,
  type Meter,
  type MeterProvider,
  type Observable,
  type ObservableCallback,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { INSTRUMENTS, maxAcrossSources, summedAcrossSources, type InstrumentKind, type InstrumentName, type InstrumentSpec } from '../contract.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../version.js';
import { CounterCells, HistogramCells } from './cells.js';

/** The contract's instruments of one kind: a new instrument in contract.ts gets a table and reaches every reader. */
type NamesOfKind<K extends InstrumentKind> = { [N in InstrumentName]: (typeof INSTRUMENTS)[N]['kind'] extends K ? N : never }[InstrumentName];
type CounterName = NamesOfKind<'counter'>;
type HistogramName = NamesOfKind<'histogram'>;
type GaugeName = NamesOfKind<'observable_gauge'>;

function namesOfKind<K extends InstrumentKind>(kind: K): readonly NamesOfKind<K>[] {
  return (Object.keys(INSTRUMENTS) as InstrumentName[]).filter((n) => INSTRUMENTS[n].kind === kind) as NamesOfKind<K>[];
}
export const COUNTERS = namesOfKind('counter');
export const HISTOGRAMS = namesOfKind('histogram');
export const GAUGES = namesOfKind('observable_gauge');
/** Gauges whose sources add up (two replay caches): the contract's `acrossSources`. */
export const SUMMED: ReadonlySet<GaugeName> = new Set(GAUGES.filter((n) => summedAcrossSources(INSTRUMENTS[n])));
/** Gauges whose sources combine by their largest value (client windows: one population seen by each): the contract's `acrossSources`. */
const MAXED: ReadonlySet<GaugeName> = new Set(GAUGES.filter((n) => maxAcrossSources(INSTRUMENTS[n])));

/** Something a gauge callback reports from (a replay cache, a key ring); removed with `stop()`. */
export type GaugeSource = (observe: (name: GaugeName, value: number, attributes: Attributes) => void) => void;

/** How often the global hub checks whether a different global meter provider was installed. */
const GLOBAL_RECHECK_MS = 1000;

interface Binding {
  provider: MeterProvider;
  /** Bound to the API's no-op provider: look for a real one on every call (nothing to lose yet). */
  noop: boolean;
  meter: Meter;
  /** Created on first use, so tables mode never registers an empty API histogram. */
  histograms: Partial<Record<HistogramName, Histogram>>;
  detach(): void;
}

export class Hub {
  readonly counterCells: Record<CounterName, Map<string, CounterCells>>;
  readonly histogramCells: Record<HistogramName, Map<string, HistogramCells>>;
  readonly gaugeSources = new Set<GaugeSource>();
  /**
   * When true (set by the opt-in metric producer) histogram values stay in bucket tables that the
   * producer exports; otherwise they go to the API histograms (drop-in default).
   */
  tablesMode = false;
  private binding: Binding | undefined;
  private checkedAt = -Infinity;

  /** `fixed` is an explicit provider; undefined means "follow the global provider". */
  constructor(private readonly fixed: MeterProvider | undefined) {
    this.counterCells = Object.fromEntries(COUNTERS.map((n) => [n, new Map()])) as Hub['counterCells'];
    this.histogramCells = Object.fromEntries(HISTOGRAMS.map((n) => [n, new Map()])) as Hub['histogramCells'];
  }

  counter(name: CounterName, key: string, make: () => CounterCells): CounterCells {
    this.ensureBound(-Infinity);
    const table = this.counterCells[name];
    let cells = table.get(key);
    if (cells === undefined) table.set(key, (cells = make()));
    return cells;
  }

  histogramTable(name: HistogramName, key: string, make: () => HistogramCells): HistogramCells {
    const table = this.histogramCells[name];
    let cells = table.get(key);
    if (cells === undefined) table.set(key, (cells = make()));
    return cells;
  }

  /**
   * The API histogram to record into, or undefined in tables mode. `nowMs` (performance.now()) lets
   * the global hub notice a newly installed global provider without a lookup on every call.
   */
  histogram(name: HistogramName, nowMs: number): Histogram | undefined {
    if (this.tablesMode) return undefined;
    const bound = this.ensureBound(nowMs);
    return bound.histograms[name] ?? (bound.histograms[name] = createHistogram(bound.meter, INSTRUMENTS[name]));
  }

  /** Lets the global hub follow a newly installed global provider (cheap; see GLOBAL_RECHECK_MS). */
  touch(nowMs: number): void {
    if (this.fixed === undefined) this.ensureBound(nowMs);
  }

  addGaugeSource(source: GaugeSource): () => void {
    this.ensureBound(-Infinity);
    this.gaugeSources.add(source);
    return () => this.gaugeSources.delete(source);
  }

  /** One gauge's values from every source, as each reader (SDK callback, prom-client collector) reports them. */
  readGauge(name: GaugeName, observe: (value: number, attributes: Attributes) => void): void {
    // Sum per attribute set: two replay caches of one scheme report one series.
    const sums = new Map<string, { value: number; attributes: Attributes }>();
    for (const source of this.gaugeSources) {
      source((gauge, value, attributes) => {
        if (gauge !== name) return;
        const key = JSON.stringify(Object.entries(attributes).sort());
        const prev = sums.get(key);
        if (prev === undefined) sums.set(key, { value, attributes });
        else if (SUMMED.has(name)) prev.value += value;
        else if (MAXED.has(name)) prev.value = Math.max(prev.value, value);
        else prev.value = value;
      });
    }
    for (const { value, attributes } of sums.values()) observe(value, attributes);
  }

  private ensureBound(nowMs: number): Binding {
    const bound = this.binding;
    // `-Infinity` asks for a check now (a new gauge source must bind to the provider installed
    // today, not to one a previous binding remembers); `-Infinity - checkedAt` would read as "recent".
    const force = nowMs === -Infinity;
    if (
      bound !== undefined &&
      (this.fixed !== undefined || (!force && !bound.noop && nowMs - this.checkedAt < GLOBAL_RECHECK_MS))
    ) {
      return bound;
    }
    this.checkedAt = nowMs === -Infinity ? performance.now() : nowMs;
    const provider = this.fixed ?? metrics.getMeterProvider();
    if (bound !== undefined && bound.provider === provider) return bound;
    bound?.detach();
    const next = (this.binding = this.bind(provider));
    if (next.noop) this.watchForProvider();
    return next;
  }

  /**
   * While only the API's no-op provider is installed, look for a real one once a second in the
   * background too, so that sources with no calls of their own (observeKeyRing, replay-cache sizes)
   * start reporting once the application starts its SDK. The timer never keeps the process alive.
   */
  private watchForProvider(): void {
    if (this.watching !== undefined || this.fixed !== undefined) return;
    this.watching = setInterval(() => {
      if (!this.ensureBound(performance.now()).noop) {
        clearInterval(this.watching);
        this.watching = undefined;
      }
    }, GLOBAL_RECHECK_MS);
    this.watching.unref?.();
  }
  private watching: ReturnType<typeof setInterval> | undefined;

  private bind(provider: MeterProvider): Binding {
    const meter = provider.getMeter(PACKAGE_NAME, PACKAGE_VERSION);
    const detachers: Array<() => void> = [];
    for (const name of COUNTERS) {
      const spec = INSTRUMENTS[name];
      const instrument = meter.createObservableCounter(spec.name, options(spec, ValueType.INT));
      const table = this.counterCells[name];
      const callback: ObservableCallback = (result) => {
        for (const cells of table.values()) cells.observe(result);
      };
      detachers.push(attach(instrument, callback));
    }
    for (const name of GAUGES) {
      const spec = INSTRUMENTS[name];
      const instrument = meter.createObservableGauge(spec.name, options(spec, name === 'keyAge' ? ValueType.DOUBLE : ValueType.INT));
      const callback: ObservableCallback = (result) => this.readGauge(name, (value, attributes) => result.observe(value, attributes));
      detachers.push(attach(instrument, callback));
    }
    const noop = provider.constructor?.name === 'NoopMeterProvider';
    return { provider, noop, meter, histograms: {}, detach: () => detachers.forEach((d) => d()) };
  }
}

function createHistogram(meter: Meter, spec: InstrumentSpec): Histogram {
  return meter.createHistogram(spec.name, {
    ...options(spec, ValueType.DOUBLE),
    // Seconds-valued buckets that contain every SLO threshold (the SDK default is milliseconds-like).
    advice: { explicitBucketBoundaries: [...(spec.buckets ?? [])] },
  });
}

function options(spec: InstrumentSpec, valueType: ValueType) {
  return { description: spec.description, unit: spec.unit, valueType };
}

function attach(instrument: Observable, callback: ObservableCallback): () => void {
  instrument.addCallback(callback);
  return () => instrument.removeCallback(callback);
}

const hubs = new WeakMap<MeterProvider, Hub>();
let globalHub: Hub | undefined;

/** The hub for an explicit provider, or the one following the global provider. */
export function hubFor(meterProvider: MeterProvider | undefined): Hub {
  if (meterProvider === undefined) return (globalHub ??= new Hub(undefined));
  let hub = hubs.get(meterProvider);
  if (hub === undefined) hubs.set(meterProvider, (hub = new Hub(meterProvider)));
  return hub;
}

/**
 * The tracer named after this package. With no explicit provider it is the API's proxy tracer, which
 * starts delegating to the SDK as soon as one is registered, so wrapping before SDK start is fine.
 */
export function tracerFor(tracerProvider: TracerProvider | undefined): Tracer {
  return (tracerProvider ?? trace.getTracerProvider()).getTracer(PACKAGE_NAME, PACKAGE_VERSION);
}

export type { CounterName, HistogramName, GaugeName };
