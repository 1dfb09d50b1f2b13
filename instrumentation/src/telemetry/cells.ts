/**
 * Preallocated count tables: the hot path's only metric work is `counts[i]++`.
 *
 * One `CounterCells` holds every series of one instrument that share their fixed attributes (say
 * scheme + key ID): one slot per variant (outcome/reason), each with a frozen attribute object built
 * once. Observable counters read the tables at collection time, so the SDK's per-call attribute
 * hashing disappears from the request path. `HistogramCells` does the same for histograms when the
 * opt-in metric producer is installed; otherwise it forwards to the API histogram with the cached
 * attribute object (the drop-in default).
 */
import type { Attributes, Histogram, ObservableResult } from '@opentelemetry/api';

export class CounterCells {
  readonly counts: Float64Array;
  readonly attributes: readonly Attributes[];

  constructor(base: Attributes, variants: readonly Attributes[]) {
    this.counts = new Float64Array(variants.length);
    this.attributes = variants.map((v) => Object.freeze({ ...base, ...v }));
  }

  observe(result: ObservableResult): void {
    const { counts, attributes } = this;
    for (let i = 0; i < counts.length; i++) {
      const n = counts[i]!;
      if (n > 0) result.observe(n, attributes[i]!);
    }
  }
}

/** Wall-clock time as OpenTelemetry's HrTime ([seconds, nanoseconds]). */
export type HrTime = [number, number];
export function hrNow(): HrTime {
  const ms = Date.now();
  return [Math.floor(ms / 1000), (ms % 1000) * 1e6];
}

export interface HistogramReading {
  attributes: Attributes;
  buckets: number[];
  sum: number;
  count: number;
  min: number;
  max: number;
}

export class HistogramCells {
  readonly attributes: readonly Attributes[];
  readonly boundaries: readonly number[];
  /** Per variant, `boundaries.length + 1` bucket counts (the last is +Inf). */
  readonly buckets: Float64Array;
  readonly sums: Float64Array;
  readonly counts: Float64Array;
  readonly mins: Float64Array;
  readonly maxs: Float64Array;
  readonly startTime: HrTime = hrNow();

  constructor(base: Attributes, variants: readonly Attributes[], boundaries: readonly number[]) {
    this.attributes = variants.map((v) => Object.freeze({ ...base, ...v }));
    this.boundaries = boundaries;
    const n = variants.length;
    this.buckets = new Float64Array(n * (boundaries.length + 1));
    this.sums = new Float64Array(n);
    this.counts = new Float64Array(n);
    this.mins = new Float64Array(n).fill(Infinity);
    this.maxs = new Float64Array(n).fill(-Infinity);
  }

  /**
   * Every variant with data, for the readers of the tables (the metric producer, the prom-client
   * collector): its attributes and per-bucket (not cumulative) counts, the last one being +Inf.
   */
  *readings(): Generator<HistogramReading> {
    const width = this.boundaries.length + 1;
    for (let i = 0; i < this.counts.length; i++) {
      const count = this.counts[i]!;
      if (count === 0) continue;
      yield {
        attributes: this.attributes[i]!,
        buckets: Array.from(this.buckets.subarray(i * width, (i + 1) * width)),
        sum: this.sums[i]!,
        count,
        min: this.mins[i]!,
        max: this.maxs[i]!,
      };
    }
  }

  /**
   * Record `value` for variant `i`: into the API histogram when one is given (drop-in mode), else into
   * the bucket table read by the metric producer.
   */
  record(value: number, i: number, histogram: Histogram | undefined): void {
    if (histogram !== undefined) {
      histogram.record(value, this.attributes[i]);
      return;
    }
    const b = this.boundaries;
    let k = 0;
    // Upper bounds are inclusive, as in OpenTelemetry's explicit-bucket histogram (and Prometheus `le`).
    while (k < b.length && value > b[k]!) k++;
    this.buckets[i * (b.length + 1) + k]!++;
    this.sums[i]! += value;
    this.counts[i]!++;
    if (value < this.mins[i]!) this.mins[i] = value;
    if (value > this.maxs[i]!) this.maxs[i] = value;
  }
}
