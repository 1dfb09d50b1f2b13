/**
 * Sums what every pusher sends into one stream per (job, instrument, attributes) — never per
 * instance — and remembers, per pusher and stream, the last cumulative reading so that the next one
 * adds only its increase (or, after a reset, its whole value). Deltas are added. Gauges keep the
 * last value. Aggregated counters never go down: forgetting an idle pusher forgets only the
 * readings it would be compared against, not what it counted.
 *
 * Deterministic for a given state, input and time: the persistence layer replays logged pushes
 * through `ingest` to rebuild the state after a crash.
 */
import { createHash } from 'node:crypto';
import type { AggregatedSeries, SeriesSource } from '../model.js';
import type { Attributes, Exemplar, HistogramPoint, NumberPoint, ResourceMetrics } from '../otlp/types.js';
import { TEMPORALITY_CUMULATIVE, TEMPORALITY_DELTA } from '../otlp/types.js';
import { canonicalName, prometheusName } from './names.js';
import type { LazyJsonArray } from '../state/json-chunks.js';
import { parseAggregatorState, ReadingsCopy } from './state.js';

export interface AggregatorLimits {
  readonly maxSeries: number;
  readonly maxSeriesPerJob: number;
  /** Forget a pusher's readings after this long without a push. */
  readonly pusherTtlMs: number;
  /** Distinct pushers held at once (default 100,000); pushes from further new ones are refused. */
  readonly maxPushers?: number;
}

export const DEFAULT_MAX_PUSHERS = 100_000;

export interface StoredSeries {
  job: string;
  name: string;
  promName: string;
  attributes: Attributes;
  kind: 'counter' | 'gauge' | 'histogram';
  value: number;
  histogram?: { bounds: number[]; counts: number[]; sum: number; count: number };
  description: string;
  unit: string;
  /** Latest exemplar per bucket (not persisted: exemplars are only hints). */
  exemplars?: (Exemplar | undefined)[];
}

/** A pusher's last cumulative reading of one stream. */
interface Reading {
  start: string;
  value: number;
  counts?: number[];
  sum?: number;
}

/**
 * What a pusher's data point resolves to: its series key, the series and (cumulative streams) the
 * pusher's reading. Cached per pusher so a repeated push skips building and hashing the key.
 */
interface Stream {
  readonly key: string;
  readonly series: StoredSeries;
  reading: Reading | undefined;
}

interface Pusher {
  lastSeenMs: number;
  readings: Map<string, Reading>;
  /**
   * Canonical metric name → attribute set → stream, for attribute sets that the protobuf reader
   * interns (frozen, shared while their bytes repeat: see otlp/wire.ts). Identity is the key, so a
   * lookup costs no hashing of strings; a WeakMap, so sets the reader has let go of drop out.
   */
  streams?: Map<string, WeakMap<Attributes, Stream>>;
  /**
   * Set when this pusher was forgotten before (TTL) and came back: when it was forgotten. A
   * cumulative stream first seen again that started before then was already counted up to the
   * pusher's last push, so its first reading is only a baseline (the increase since that last push is
   * lost rather than everything counted twice).
   */
  forgottenAtMs?: number;
}

/** Forgotten pushers remembered (ID → when) so a returning one is not counted twice. */
const MAX_TOMBSTONES = 100_000;

export interface IngestResult {
  accepted: number;
  /** Points refused, by reason (partial_success). */
  rejected: Map<string, number>;
  /** Points of non-`hmac.*` metrics, dropped by design. */
  ignored: number;
  /** Messages for partial_success.error_message (first few). */
  messages: string[];
}

export interface AggregatorState {
  readonly version: 1;
  readonly series: Array<[string, Omit<StoredSeries, 'exemplars'>]>;
  /** A pusher's readings: an array when read, a compact copy (written as one) from `toJSON`. */
  readonly pushers: Array<[string, number, ReadonlyArray<[string, Reading]> | LazyJsonArray<[string, Reading]>, number | null]>;
  readonly tombstones?: Array<[string, number]>;
  readonly overflow: number;
}

/** Which pushed metrics are kept: the hmac-slo namespace only (see docs/collector.md). */
export function isKeptMetric(name: string): boolean {
  return name.startsWith('hmac.');
}

export function jobOf(resource: Attributes): string {
  const name = resource['service.name'] || 'unknown_service';
  const ns = resource['service.namespace'];
  return ns ? `${ns}/${name}` : name;
}

/** Identity of a pusher: every resource attribute (service.instance.id included), hashed. */
export function pusherIdOf(resource: Attributes): string {
  const keys = Object.keys(resource).sort();
  const h = createHash('sha256');
  for (const k of keys) h.update(k).update('\0').update(resource[k]!).update('\0');
  return h.digest('base64url').slice(0, 22);
}

function attrsKey(a: Attributes): string {
  const keys = Object.keys(a).sort();
  let s = '';
  for (const k of keys) s += `${k}\u0001${a[k]}\u0002`;
  return s;
}

/** Identity and job of interned (frozen, shared) resource attribute sets, computed once per set. */
const resourceIdentity = new WeakMap<Attributes, { pid: string; job: string }>();

function identityOf(resource: Attributes): { pid: string; job: string } {
  let id = resourceIdentity.get(resource);
  if (id === undefined) {
    id = { pid: pusherIdOf(resource), job: jobOf(resource) };
    if (Object.isFrozen(resource)) resourceIdentity.set(resource, id);
  }
  return id;
}

function sameBounds(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A returning pusher's stream that started before it was forgotten: already counted. */
function countedBefore(pusher: Pusher, startNs: string): boolean {
  return pusher.forgottenAtMs !== undefined && startNs !== '' && Number(startNs) / 1e6 < pusher.forgottenAtMs;
}

export class Aggregator implements SeriesSource {
  private readonly seriesByKey = new Map<string, StoredSeries>();
  private readonly perJob = new Map<string, number>();
  /** Family name → kind, so one family never mixes types in the exposition. */
  private readonly familyKind = new Map<string, StoredSeries['kind']>();
  private readonly pushers = new Map<string, Pusher>();
  private readonly tombstones = new Map<string, number>();
  overflow = 0;

  constructor(private readonly limits: AggregatorLimits) {}

  series(): Iterable<AggregatedSeries> {
    return this.seriesByKey.values();
  }

  /** Series with their latest exemplars, for the exposition. */
  rawSeries(): Iterable<Readonly<StoredSeries>> {
    return this.seriesByKey.values();
  }

  get seriesCount(): number {
    return this.seriesByKey.size;
  }

  get activePushers(): number {
    return this.pushers.size;
  }

  ingest(resources: readonly ResourceMetrics[], nowMs: number): IngestResult {
    const result: IngestResult = { accepted: 0, rejected: new Map(), ignored: 0, messages: [] };
    const reject = (reason: string, n: number, message: string) => {
      if (n <= 0) return;
      result.rejected.set(reason, (result.rejected.get(reason) ?? 0) + n);
      if (result.messages.length < 5 && !result.messages.includes(message)) result.messages.push(message);
    };
    for (const rm of resources) {
      const { job, pid } = identityOf(rm.resource);
      let pusher = this.pushers.get(pid);
      if (!pusher) {
        if (this.pushers.size >= (this.limits.maxPushers ?? DEFAULT_MAX_PUSHERS)) {
          // Each pusher costs memory for its readings: a flood of new identities must not exhaust it.
          let n = 0;
          for (const m of rm.metrics) n += m.data.type === 'unsupported' ? m.data.points : m.data.points.length;
          reject('pusher_limit', n, `too many distinct pushers (${this.pushers.size}); idle ones are forgotten after the pusher TTL`);
          continue;
        }
        pusher = { lastSeenMs: nowMs, readings: new Map() };
        const forgotten = this.tombstones.get(pid);
        if (forgotten !== undefined) {
          pusher.forgottenAtMs = forgotten;
          this.tombstones.delete(pid);
        }
        this.pushers.set(pid, pusher);
      }
      pusher.lastSeenMs = Math.max(pusher.lastSeenMs, nowMs);
      for (const m of rm.metrics) {
        const d = m.data;
        if (!isKeptMetric(m.name)) {
          result.ignored += d.type === 'unsupported' ? d.points : d.points.length;
          continue;
        }
        if (d.type === 'unsupported') {
          reject('unsupported_type', d.points, `${m.name}: ${d.what} is not supported; use explicit-bucket histograms`);
          continue;
        }
        const name = canonicalName(m.name);
        // Created with the first stream cached (see streamOf): names that never make a series cost nothing.
        const streams = pusher.streams?.get(name);
        if (d.type === 'histogram') {
          const promName = prometheusName(m.name, m.unit, false, false);
          for (const p of d.points) {
            const why = this.addHistogram(job, name, promName, m, d.temporality, p, pusher, streams);
            if (why) reject(why[0], 1, why[1]);
            else result.accepted++;
          }
          continue;
        }
        const counter = d.type === 'sum' && d.monotonic;
        const kind = counter ? 'counter' : 'gauge';
        const promName = prometheusName(m.name, m.unit, counter, !counter);
        const temporality = d.type === 'sum' ? d.temporality : 0;
        for (const p of d.points) {
          const why = this.addNumber(job, name, promName, kind, m, temporality, p, pusher, streams);
          if (why) reject(why[0], 1, why[1]);
          else result.accepted++;
        }
      }
    }
    return result;
  }

  private seriesFor(job: string, name: string, promName: string, kind: StoredSeries['kind'], m: { unit: string; description: string }, attrs: Attributes, key: string): StoredSeries | [string, string] {
    let s = this.seriesByKey.get(key);
    if (s) return s;
    const known = this.familyKind.get(promName);
    if (known && known !== kind) return ['type_conflict', `${name}: pushed as ${kind}, but ${promName} is already a ${known}`];
    const jobCount = this.perJob.get(job) ?? 0;
    if (this.seriesByKey.size >= this.limits.maxSeries || jobCount >= this.limits.maxSeriesPerJob) {
      this.overflow++;
      return ['series_limit', `series limit reached (${this.seriesByKey.size >= this.limits.maxSeries ? `maxSeries ${this.limits.maxSeries}` : `maxSeriesPerJob ${this.limits.maxSeriesPerJob} for ${job}`})`];
    }
    s = { job, name, promName, attributes: { ...attrs }, kind, value: 0, description: m.description, unit: m.unit };
    this.seriesByKey.set(key, s);
    this.perJob.set(job, jobCount + 1);
    this.familyKind.set(promName, kind);
    return s;
  }

  /**
   * The stream of a point: from the pusher's cache when its attribute set is interned and was seen
   * before, else by key (and cached if it can be). A series refused (limits, type conflict) is not
   * cached: the next push asks again.
   */
  private streamOf(
    job: string,
    name: string,
    promName: string,
    kind: StoredSeries['kind'],
    m: { unit: string; description: string },
    attrs: Attributes,
    pusher: Pusher,
    streams: WeakMap<Attributes, Stream> | undefined,
    key: string | undefined,
  ): Stream | [string, string] {
    const cached = streams?.get(attrs);
    if (cached !== undefined) return cached;
    key ??= `${job}\0${name}\0${attrsKey(attrs)}`;
    const s = this.seriesFor(job, name, promName, kind, m, attrs, key);
    if (Array.isArray(s)) return s;
    const stream: Stream = { key, series: s, reading: pusher.readings.get(key) };
    if (Object.isFrozen(attrs)) {
      let byAttrs = pusher.streams?.get(name);
      if (byAttrs === undefined) (pusher.streams ??= new Map()).set(name, (byAttrs = new WeakMap()));
      byAttrs.set(attrs, stream);
    }
    return stream;
  }

  /**
   * A cached stream's reading, when it has none yet: another road (a push whose attribute set was
   * not interned, e.g. OTLP/JSON from the same pusher) may have created it since.
   */
  private readingOf(stream: Stream, pusher: Pusher): Reading | undefined {
    return (stream.reading = pusher.readings.get(stream.key));
  }

  private addNumber(
    job: string,
    name: string,
    promName: string,
    kind: 'counter' | 'gauge',
    m: { unit: string; description: string },
    temporality: number,
    p: NumberPoint,
    pusher: Pusher,
    streams: WeakMap<Attributes, Stream> | undefined,
  ): [string, string] | undefined {
    if (kind === 'counter' && temporality !== TEMPORALITY_DELTA && temporality !== TEMPORALITY_CUMULATIVE) {
      return ['bad_temporality', `${name}: aggregation temporality unspecified`];
    }
    if (kind === 'counter' && p.value < 0) return ['negative', `${name}: negative value for a monotonic sum`];
    const stream = this.streamOf(job, name, promName, kind, m, p.attributes, pusher, streams, undefined);
    if (Array.isArray(stream)) return stream;
    const s = stream.series;
    if (kind === 'gauge') {
      s.value = p.value;
      return undefined;
    }
    if (temporality === TEMPORALITY_DELTA) {
      s.value += p.value;
      return undefined;
    }
    const prev = stream.reading ?? this.readingOf(stream, pusher);
    const increase = !prev
      ? countedBefore(pusher, p.start) ? 0 : p.value
      : prev.start !== p.start || p.value < prev.value ? p.value : p.value - prev.value;
    s.value += increase;
    if (prev) {
      prev.start = p.start;
      prev.value = p.value;
    } else {
      stream.reading = { start: p.start, value: p.value };
      pusher.readings.set(stream.key, stream.reading);
    }
    return undefined;
  }

  private addHistogram(
    job: string,
    name: string,
    promName: string,
    m: { unit: string; description: string },
    temporality: number,
    p: HistogramPoint,
    pusher: Pusher,
    streams: WeakMap<Attributes, Stream> | undefined,
  ): [string, string] | undefined {
    if (temporality !== TEMPORALITY_DELTA && temporality !== TEMPORALITY_CUMULATIVE) {
      return ['bad_temporality', `${name}: aggregation temporality unspecified`];
    }
    const counts = p.counts.length > 0 ? p.counts : [p.count];
    const bounds = p.counts.length > 0 ? p.bounds : [];
    for (let i = 0; i < counts.length; i++) if (counts[i]! < 0) return ['negative', `${name}: negative bucket count`];
    let stream = streams?.get(p.attributes);
    let key: string | undefined;
    const existing = stream !== undefined ? stream.series : this.seriesByKey.get((key = `${job}\0${name}\0${attrsKey(p.attributes)}`));
    if (existing?.histogram && !sameBounds(existing.histogram.bounds, bounds)) {
      return ['bucket_mismatch', `${name}: bucket bounds [${bounds.join(',')}] differ from the stream's [${existing.histogram.bounds.join(',')}]`];
    }
    if (stream === undefined) {
      const found = this.streamOf(job, name, promName, 'histogram', m, p.attributes, pusher, streams, key);
      if (Array.isArray(found)) return found;
      stream = found;
    }
    const s = stream.series;
    const h = (s.histogram ??= { bounds: [...bounds], counts: new Array<number>(counts.length).fill(0), sum: 0, count: 0 });
    const hc = h.counts;
    if (temporality === TEMPORALITY_CUMULATIVE) {
      const prev = stream.reading ?? this.readingOf(stream, pusher);
      const pc = prev?.counts;
      let reset = !prev || !pc || prev.start !== p.start || pc.length !== counts.length || p.count < prev.value;
      for (let i = 0; !reset && i < counts.length; i++) if (counts[i]! < pc![i]!) reset = true;
      if (!prev && countedBefore(pusher, p.start)) {
        // Already counted before the pusher was forgotten: this reading is only a baseline.
      } else if (!reset) {
        for (let i = 0; i < counts.length; i++) hc[i]! += counts[i]! - pc![i]!;
        h.sum += p.sum - (prev!.sum ?? 0);
        h.count += p.count - prev!.value;
      } else {
        for (let i = 0; i < counts.length; i++) hc[i]! += counts[i]!;
        h.sum += p.sum;
        h.count += p.count;
      }
      if (prev) {
        prev.start = p.start;
        prev.value = p.count;
        // Copied into the reading's own array: a kept decoded array would live until the pusher's
        // next push, long enough to be promoted and cost a major collection.
        if (pc !== undefined && pc.length === counts.length) for (let i = 0; i < counts.length; i++) pc[i] = counts[i]!;
        else prev.counts = counts;
        prev.sum = p.sum;
      } else {
        stream.reading = { start: p.start, value: p.count, counts, sum: p.sum };
        pusher.readings.set(stream.key, stream.reading);
      }
    } else {
      for (let i = 0; i < counts.length; i++) hc[i]! += counts[i]!;
      h.sum += p.sum;
      h.count += p.count;
    }
    s.value = h.count;
    if (p.exemplars) {
      s.exemplars ??= new Array(h.counts.length).fill(undefined);
      for (const e of p.exemplars) {
        if (!e.traceId) continue;
        let i = 0;
        while (i < h.bounds.length && e.value > h.bounds[i]!) i++;
        s.exemplars[i] = e;
      }
    }
    return undefined;
  }

  /** Forget pushers idle for longer than the TTL; their counts stay in the series. Returns their IDs. */
  expiredPushers(nowMs: number): string[] {
    const out: string[] = [];
    for (const [id, p] of this.pushers) if (nowMs - p.lastSeenMs > this.limits.pusherTtlMs) out.push(id);
    return out;
  }

  forget(ids: readonly string[], nowMs: number): void {
    for (const id of ids) {
      if (!this.pushers.delete(id)) continue;
      this.tombstones.delete(id);
      this.tombstones.set(id, nowMs);
      if (this.tombstones.size > MAX_TOMBSTONES) this.tombstones.delete(this.tombstones.keys().next().value!);
    }
  }

  /**
   * The state as plain data, copied: the snapshot is written from it while pushes go on, and they
   * change series (histogram counts) and readings in place.
   */
  toJSON(): AggregatorState {
    return {
      version: 1,
      series: [...this.seriesByKey].map(([k, s]) => {
        const { exemplars: _e, histogram: h, ...rest } = s;
        return [k, h ? { ...rest, histogram: { bounds: h.bounds.slice(), counts: h.counts.slice(), sum: h.sum, count: h.count } } : rest];
      }),
      pushers: [...this.pushers].map(([id, p]) => [
        id,
        p.lastSeenMs,
        ReadingsCopy.of(p.readings),
        p.forgottenAtMs ?? null,
      ]),
      tombstones: [...this.tombstones],
      overflow: this.overflow,
    };
  }

  /** Rebuilds from `toJSON()` output; throws (`AggregatorStateError`) on anything that is not aggregator state. */
  static fromJSON(limits: AggregatorLimits, json: unknown): Aggregator {
    const state = parseAggregatorState(json);
    const a = new Aggregator(limits);
    for (const [key, { exemplars: _e, ...s }] of state.series) {
      a.seriesByKey.set(key, s); // exemplars are never persisted: none from a file
      a.perJob.set(s.job, (a.perJob.get(s.job) ?? 0) + 1);
      a.familyKind.set(s.promName, s.kind);
    }
    for (const [id, lastSeenMs, readings, forgottenAtMs] of state.pushers) {
      a.pushers.set(id, { lastSeenMs, readings: new Map(readings), ...(forgottenAtMs !== null ? { forgottenAtMs } : {}) });
    }
    for (const [id, t] of state.tombstones ?? []) a.tombstones.set(id, t);
    a.overflow = state.overflow;
    return a;
  }
}
