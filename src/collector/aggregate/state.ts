/**
 * The persisted form of the aggregator (part of the collector's snapshot): its validation, where
 * every field is typed so that a damaged or hand-edited file is refused with a precise reason and
 * never half-loaded, and the compact copy of the per-pusher readings a snapshot is written from.
 */
import { z } from 'zod';
import { parseSection } from '../state/section.js';
import { LazyJsonArray } from '../state/json-chunks.js';
import { expiredTotalsSchema } from './expired-totals.js';

/** A pusher's last cumulative reading of one stream, as persisted. */
export interface PersistedReading {
  start: string;
  value: number;
  counts?: number[];
  sum?: number;
}

/**
 * A pusher's readings as of now, in flat arrays (no object per reading: copying a million takes a
 * fraction of the time), written to JSON as `[key, reading]` pairs. Histogram counts are copied:
 * the aggregator updates them in place.
 */
export class ReadingsCopy extends LazyJsonArray<[string, PersistedReading]> {
  private constructor(
    private readonly keys: string[],
    private readonly starts: string[],
    private readonly values: Float64Array,
    private readonly histograms: Map<number, { counts: number[]; sum: number | undefined }> | undefined,
  ) {
    super();
  }

  static of(readings: ReadonlyMap<string, PersistedReading>): ReadingsCopy {
    const n = readings.size;
    const keys = new Array<string>(n);
    const starts = new Array<string>(n);
    const values = new Float64Array(n);
    let histograms: Map<number, { counts: number[]; sum: number | undefined }> | undefined;
    let i = 0;
    for (const [k, r] of readings) {
      keys[i] = k;
      starts[i] = r.start;
      values[i] = r.value;
      if (r.counts) (histograms ??= new Map()).set(i, { counts: r.counts.slice(), sum: r.sum });
      i++;
    }
    return new ReadingsCopy(keys, starts, values, histograms);
  }

  get length(): number {
    return this.keys.length;
  }

  at(i: number): [string, PersistedReading] {
    const h = this.histograms?.get(i);
    const r: PersistedReading = h ? { start: this.starts[i]!, value: this.values[i]!, counts: h.counts, sum: h.sum } : { start: this.starts[i]!, value: this.values[i]! };
    return [this.keys[i]!, r];
  }
}

export class AggregatorStateError extends Error {
  constructor(message: string) {
    super(`not aggregator state (version 1): ${message}`);
    this.name = 'AggregatorStateError';
  }
}

/**
 * The whole persisted shape, every field typed: a hand-edited or damaged file is refused, never
 * half-loaded. Fields and tuple elements added by later versions pass through (loose objects,
 * tuple rests) to the code that reads them, which must type them here too.
 */
const finite = z.number().finite();
const nonNegative = finite.nonnegative();
const histogramSchema = z
  .object({ bounds: z.array(finite), counts: z.array(nonNegative), sum: finite, count: nonNegative })
  .refine((h) => h.counts.length === h.bounds.length + 1, 'a histogram needs one count per bound, plus one');
const seriesSchema = z
  .looseObject({
    job: z.string(),
    name: z.string(),
    promName: z.string(),
    attributes: z.record(z.string(), z.string()),
    kind: z.enum(['counter', 'gauge', 'histogram']),
    value: finite,
    histogram: histogramSchema.optional(),
    description: z.string(),
    unit: z.string(),
  })
  .refine((s) => (s.kind === 'histogram') === (s.histogram !== undefined), 'a histogram series (and only one) has buckets');
const readingSchema = z.looseObject({ start: z.string(), value: finite, counts: z.array(nonNegative).optional(), sum: finite.optional() });
const stateSchema = z.looseObject({
  version: z.literal(1),
  series: z.array(z.tuple([z.string(), seriesSchema])),
  // A pusher's and a tombstone's forgotten-stream hashes are checked by forgotten-streams.ts. A
  // pusher's job is absent in older snapshots, its resource labels when it has none.
  pushers: z.array(z.tuple([z.string(), finite, z.array(z.tuple([z.string(), readingSchema])), finite.nullable(), z.unknown().optional(), z.string().optional(), z.record(z.string(), z.string()).optional()], z.unknown())),
  tombstones: z.array(z.tuple([z.string(), finite], z.unknown())).optional(),
  overflow: nonNegative,
  /** Per job, when its series last got a point (series expiry); absent in older snapshots. */
  jobsSeenMs: z.array(z.tuple([z.string(), finite])).optional(),
  /** Points refused per cap; absent in older snapshots (all counted in `overflow`). */
  overflowByCap: z.array(z.tuple([z.string(), nonNegative])).optional(),
  /** Totals of expired jobs' series (resumed when a series comes back); absent in older snapshots. */
  expiredTotals: expiredTotalsSchema.optional(),
  /** Summed gauges hold sums of the pushers' readings; absent in older snapshots (last value). */
  summedGauges: z.literal(true).optional(),
  /** Resource label values freed by their job's pushers: [job, label, value, freed at]; absent in older snapshots. */
  resourceValuesFreed: z.array(z.tuple([z.string(), z.string(), z.string(), finite])).optional(),
});

export function parseAggregatorState(json: unknown): z.infer<typeof stateSchema> {
  return parseSection(stateSchema, json, (message) => new AggregatorStateError(message));
}
