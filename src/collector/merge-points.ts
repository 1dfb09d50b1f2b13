/**
 * Points of one metric whose attributes the collector changed (point-attributes.ts) may end up
 * with the same attribute set as another point of the push: two client IDs stripped, two unknown
 * reasons both `other`. The aggregator keeps one stream per (pusher, attribute set), so it would
 * take them as successive readings of one stream: delta points would add up, but cumulative ones
 * (the SDK's default) would count only one of them, or count one again as a reset. So such points
 * are merged into one first, the way the SDK would have aggregated them had it sent `other`:
 * values, and histogram buckets, add up (the start time of the first is kept: an SDK's streams
 * share one). A gauge is a value, not a count: the last point's is kept, as the aggregator would
 * have, except for the gauges the contract combines across sources: summed ones (per source
 * counts, `hmac.replay.cache.size`) add up, the client counts (`acrossSources` 'max') take the
 * largest, as the hub, prom-client's workers and the replicas combine them. Two points of one
 * stream (sent with one set in one entry) are two readings of it, not two streams: only deltas add
 * up. The same holds for one instrument sent in several entries (scopes: two meters, two copies of
 * the instrumentation), changed or not: one set in two scopes is two streams, merged likewise.
 */
import { histogramProblem, isCount } from './aggregate/point-checks.js';
import { sameBounds } from './aggregate/expired-totals.js';
import { canonicalName, contractInstrument } from './aggregate/names.js';
import { isMaxGauge, isSummedGauge } from './aggregate/summed-gauges.js';
import { TEMPORALITY_DELTA, type HistogramPoint, type Metric, type MetricData, type NumberPoint, type PointAttributes } from './otlp/types.js';

type Point = NumberPoint | HistogramPoint;

/** The attribute set as a string: the same for the same keys and values, in any order. */
function setKey(a: PointAttributes): string {
  return JSON.stringify(Object.keys(a).sort().map((k) => [k, a[k]]));
}

/**
 * Whether the aggregator would take `p` on its own. One it refuses (a negative count or bucket,
 * buckets that do not add up to the count, a summed gauge's non-count) is left as sent, so it is
 * refused and counted as before, instead of changing, or getting refused with, the point it would
 * have been added to.
 */
function acceptable(d: Exclude<MetricData, { type: 'unsupported' }>, summed: boolean, p: Point): boolean {
  if (d.type === 'histogram') {
    const h = p as HistogramPoint;
    return h.counts.every((c) => c >= 0) && histogramProblem('', h) === undefined;
  }
  const v = (p as NumberPoint).value;
  return summed ? isCount(v) : !(d.type === 'sum' && d.monotonic && v < 0);
}

/**
 * `into` with `p` added (`maxed`: a client count, the larger of the two); undefined when they cannot
 * be merged (histograms with other buckets).
 */
function merged(d: Exclude<MetricData, { type: 'unsupported' }>, summed: boolean, into: Point, p: Point, maxed = false): Point | undefined {
  if (d.type === 'histogram') {
    const a = into as HistogramPoint;
    const b = p as HistogramPoint;
    if (!sameBounds(a.bounds, b.bounds) || a.counts.length !== b.counts.length) return undefined;
    const exemplars = [...(a.exemplars ?? []), ...(b.exemplars ?? [])];
    return {
      ...a,
      count: a.count + b.count,
      sum: a.sum + b.sum,
      counts: a.counts.map((c, i) => c + b.counts[i]!),
      ...(exemplars.length > 0 ? { exemplars } : {}),
    };
  }
  const [a, b] = [(into as NumberPoint).value, (p as NumberPoint).value];
  const value = d.type === 'gauge' && !summed ? b : maxed ? Math.max(a, b) : a + b;
  return { ...(into as NumberPoint), value };
}

/**
 * `points` (of metric `m`) with those of one attribute set merged into the first of them.
 * `originOf(p)`: the set `p` was sent with (its stream); without it, every point is a stream of its
 * own. Two points of one stream in a request are two readings of it (two exports compacted into
 * one request), not two streams: deltas add up, but a cumulative reading or a gauge replaces the one
 * before, as the aggregator would have taken them one after the other. The merged point adds up the
 * latest reading of each stream.
 */
export function mergeSameAttributes(m: Metric, points: readonly Point[], originOf?: (p: Point) => PointAttributes, entryOf?: (p: Point) => number): Point[] {
  const d = m.data;
  if (d.type === 'unsupported' || points.length < 2) return [...points];
  const summed = d.type === 'gauge' && isSummedGauge(m.name);
  const maxed = summed && isMaxGauge(m.name);
  const lastValue = d.type === 'gauge' && !summed;
  const delta = d.type !== 'gauge' && d.temporality === TEMPORALITY_DELTA;
  // Per attribute set: its place in `out`, and the reading of each stream in it (for a last-value
  // gauge one reading: the last point's).
  const groups = new Map<string, { at: number; streams: Map<unknown, Point> }>();
  const out: (Point | undefined)[] = [];
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    if (!acceptable(d, summed, p)) {
      out.push(p);
      continue;
    }
    const key = setKey(p.attributes);
    let g = groups.get(key);
    if (g === undefined) {
      groups.set(key, (g = { at: out.length, streams: new Map() }));
      out.push(undefined);
    }
    const origin = originOf?.(p);
    // A stream is one entry's (one scope's) set: two scopes sending one set are two streams.
    const set = origin === undefined ? undefined : origin === p.attributes ? key : setKey(origin);
    const stream = lastValue ? '' : set === undefined ? i : entryOf === undefined ? set : `${entryOf(p)}\u0000${set}`;
    const prev = g.streams.get(stream);
    if (prev === undefined || !delta) g.streams.set(stream, p);
    else {
      const both = merged(d, summed, prev, p, maxed);
      if (both === undefined) out.push(p);
      else g.streams.set(stream, both);
    }
  }
  for (const g of groups.values()) {
    let sum: Point | undefined;
    for (const p of g.streams.values()) {
      const both = sum === undefined ? p : merged(d, summed, sum, p, maxed);
      if (both === undefined) out.push(p);
      else sum = both;
    }
    out[g.at] = sum;
  }
  return out as Point[];
}

/** Whether two entries of `metrics` are one instrument (mergeChangedMetrics merges them). */
export function repeatsAnInstrument(metrics: readonly Metric[]): boolean {
  if (metrics.length < 2) return false;
  const seen = new Set<string>();
  for (const m of metrics) {
    if (m.data.type === 'unsupported') continue;
    const k = instrumentKey(m);
    if (seen.has(k)) return true;
    seen.add(k);
  }
  return false;
}

/**
 * Entries that the aggregator reads as one instrument: the same stored name and kind of data, and
 * the same unit unless a contract instrument (whose family is the contract's, whatever the unit).
 */
function instrumentKey(m: Metric): string {
  const d = m.data;
  const how = d.type === 'sum' ? `${d.temporality}/${d.monotonic}` : d.type === 'histogram' ? String(d.temporality) : '';
  const unit = contractInstrument(m.name) ? '' : m.unit;
  return `${canonicalName(m.name)}\u0000${unit}\u0000${d.type}\u0000${how}`;
}

/**
 * The metrics of one resource with the points of each `changed` metric merged (mergeSameAttributes),
 * together with those of any other entry of the same instrument: a request may carry one instrument
 * in several entries (one per scope: two meters, two copies of the instrumentation), all streams of
 * one pusher, so points of two entries that now share a set are one stream too. Entries without a
 * changed one are left as sent.
 */
export function mergeChangedMetrics(metrics: readonly Metric[], changed: ReadonlySet<Metric>, originOf: (p: Point) => PointAttributes): Metric[] {
  const groups = new Map<string, Metric[]>();
  for (const m of metrics) {
    if (m.data.type === 'unsupported') continue;
    const k = instrumentKey(m);
    const g = groups.get(k);
    if (g === undefined) groups.set(k, [m]);
    else g.push(m);
  }
  const dropped = new Set<Metric>();
  const merged = new Map<Metric, Metric>();
  for (const g of groups.values()) {
    // Several entries of one instrument are merged even if nothing changed: the aggregator would
    // take their points of one set as readings of one stream (cumulative ones as resets).
    if (g.length < 2 && !changed.has(g[0]!)) continue;
    const first = g[0]!;
    const points = g.flatMap((m) => m.data.points as Point[]);
    const entry = new Map(g.flatMap((m, i) => (m.data.points as Point[]).map((p) => [p, i] as const)));
    merged.set(first, { ...first, data: { ...first.data, points: mergeSameAttributes(first, points, originOf, (p) => entry.get(p) ?? 0) } } as Metric);
    for (const m of g.slice(1)) dropped.add(m);
  }
  return metrics.filter((m) => !dropped.has(m)).map((m) => merged.get(m) ?? m);
}
