/**
 * Sums what every pusher sends into one stream per (job, instrument, attributes) — never per
 * instance — and remembers, per pusher and stream, the last cumulative reading so that the next one
 * adds only its increase (or, after a reset, its whole value). Deltas are added. Gauges keep the
 * last value, except those the contract combines across sources (summed-gauges.ts): the sum, or
 * the largest, of each live pusher's last value. Aggregated counters never go down: forgetting an idle pusher forgets
 * only the readings it would be compared against, not what it counted.
 *
 * Deterministic for a given state, input and time: the persistence layer replays logged pushes
 * through `ingest` to rebuild the state after a crash.
 */
import { createHash } from 'node:crypto';
import type { AggregatedSeries, SeriesSource } from '../model.js';
import { isInterned, type Attributes, type Exemplar, type HistogramPoint, type InternedAttributes, type NumberPoint, type PointAttributes, type ResourceMetrics } from '../otlp/types.js';
import { TEMPORALITY_CUMULATIVE, TEMPORALITY_DELTA } from '../otlp/types.js';
import { canonicalName, prometheusName } from './names.js';
import {
  forgottenStreamsFromJSON,
  forgottenStreamsOf,
  forgottenStreamsToJSON,
  wasForgotten,
  type ForgottenStreams,
} from './forgotten-streams.js';
import { ExposedNames } from './exposed-names.js';
import { histogramProblem, isCount, labelProblem, nonFinite, notACount, type LabelLimits } from './point-checks.js';
import type { LazyJsonArray } from '../state/json-chunks.js';
import { parseAggregatorState, ReadingsCopy } from './state.js';
import { FairQuota } from './fair-quota.js';
import { ExpiredTotals, sameBounds, type ExpiredTotalsJSON } from './expired-totals.js';
import { anyWentDown, increaseSince } from './counter-reset.js';
import { ResourceLabels, type JobLabelValue, type ResourceLabelConfig } from './resource-labels.js';
import { isMaxGauge, isSummedGauge, MaxOfReadings, SummedReadings } from './summed-gauges.js';
import { boundingChanges } from '../point-attributes.js';

export interface AggregatorLimits extends LabelLimits {
  readonly maxSeries: number;
  readonly maxSeriesPerJob: number;
  /** Forget a pusher's readings after this long without a push. */
  readonly pusherTtlMs: number;
  /** Distinct pushers held at once; pushes from further new ones are refused. */
  readonly maxPushers: number;
  /** Distinct pushers one job may hold (default: no cap beyond maxPushers). */
  readonly maxPushersPerJob?: number;
  /** Pushers each of the first maxJobs jobs may hold even when the shared rest of maxPushers is taken (default 0). */
  readonly reservedPushersPerJob?: number;
  /** Distinct jobs holding series (default: no cap); points of further jobs are refused. */
  readonly maxJobs?: number;
  /**
   * Series each job may hold even when the rest of maxSeries is taken (default 0): the first
   * `reservedSeriesPerJob` series of a job come from a reserve of maxJobs × this, the others from
   * the shared rest, so a flood of series in a few jobs cannot starve the others.
   */
  readonly reservedSeriesPerJob?: number;
  /** Per-pusher last cumulative readings held in total (default: no cap). */
  readonly maxReadings?: number;
  /** Readings the pushers of one job may hold (default: no cap beyond maxReadings). */
  readonly maxReadingsPerJob?: number;
  /** Readings each of the first maxJobs jobs may hold even when the shared rest of maxReadings is taken (default 0). */
  readonly reservedReadingsPerJob?: number;
  /** Drop a job's series once none got a point for this long (default: never). */
  readonly seriesTtlMs?: number;
  /** Resource attributes that become labels of the pusher's series (default: none). */
  readonly resourceLabels?: ResourceLabelConfig;
}

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
  /** Its job (every resource attribute is part of its identity, so it has one). */
  readonly job: string;
  lastSeenMs: number;
  readings: Map<string, Reading>;
  /**
   * Canonical metric name → attribute set → stream, for attribute sets that the protobuf reader
   * interned (`InternedAttributes`: shared while their bytes repeat, see otlp/wire.ts). Identity is
   * the key, so a lookup costs no hashing of strings; a WeakMap, so sets the reader has let go of drop out.
   */
  streams?: Map<string, WeakMap<InternedAttributes, Stream>>;
  /**
   * Set when this pusher was forgotten before (TTL) and came back: when it was forgotten. A
   * cumulative stream it had a reading for then (`forgottenStreams`), first seen again with a start
   * before then, was already counted up to the pusher's last push, so its first reading is only a
   * baseline (the increase since that last push is lost rather than everything counted twice). A
   * stream it never sent before counts in full.
   */
  forgottenAtMs?: number;
  /** With `forgottenAtMs`: the streams it had readings for (see forgotten-streams.ts). */
  forgottenStreams?: ForgottenStreams;
  /** Its resource labels (resource-labels.ts), added to every point's attributes; absent when none. */
  readonly labels?: Attributes;
  /** Which of its readings are summed gauges' (summed-gauges.ts); absent when none. */
  summed?: SummedReadings;
}

/** A forgotten pusher: when, and which streams it had readings for. */
interface Tombstone {
  atMs: number;
  streams: ForgottenStreams;
}

/** Forgotten pushers remembered (ID → tombstone) so a returning one is not counted twice. */
const MAX_TOMBSTONES = 100_000;
/**
 * Stream hashes held over all tombstones and returned pushers (4 bytes each: 4 MiB). Beyond it the
 * oldest sets are coarsened to "every stream" (null), which costs nothing and never double counts.
 */
const MAX_FORGOTTEN_HASHES = 1 << 20;

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
  /**
   * [ID, last seen, readings, forgotten at, its forgotten-stream hashes (null or absent: every
   * stream), its job (absent in older snapshots), its resource labels (absent when none)]. Readings:
   * an array when read, a compact copy (written as one) from `toJSON`.
   */
  readonly pushers: Array<[string, number, ReadonlyArray<[string, Reading]> | LazyJsonArray<[string, Reading]>, number | null, (number[] | null)?, string?, Attributes?]>;
  /** [ID, forgotten at, stream hashes (null or absent: every stream)]. */
  readonly tombstones?: Array<[string, number, (number[] | null)?]>;
  readonly overflow: number;
  /** Job → when one of its series last got a point (series expiry); absent in older snapshots. */
  readonly jobsSeenMs?: Array<[string, number]>;
  /** Points refused by each cap (`max_series`, …); absent in older snapshots (all in `overflow`). */
  readonly overflowByCap?: Array<[string, number]>;
  /** Totals of expired jobs' series, oldest first (see expired-totals.ts); absent in older snapshots. */
  readonly expiredTotals?: ExpiredTotalsJSON;
  /**
   * Summed gauges' series are sums of the pushers' readings (summed-gauges.ts); absent in older
   * snapshots, whose such series held one pusher's last value and no readings: not loaded.
   */
  readonly summedGauges?: true;
  /** Resource label values freed by their job's pushers, [job, label, value, freed at]; absent in older snapshots. */
  readonly resourceValuesFreed?: Array<[string, string, string, number]>;
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

/** Identity and job of interned resource attribute sets, computed once per set. */
const resourceIdentity = new WeakMap<InternedAttributes, { pid: string; job: string }>();

function identityOf(resource: PointAttributes): { pid: string; job: string } {
  let id = resourceIdentity.get(resource as InternedAttributes); // only interned sets are keys: others miss
  if (id === undefined) {
    id = { pid: pusherIdOf(resource), job: jobOf(resource) };
    if (isInterned(resource)) resourceIdentity.set(resource, id);
  }
  return id;
}

/**
 * The cached stream of an attribute set. Only interned sets are ever keys (see `streamOf`), so any
 * other set simply misses: no need to ask which kind it is on this, the hot, path.
 */
function cachedStream(streams: WeakMap<InternedAttributes, Stream> | undefined, attrs: PointAttributes): Stream | undefined {
  return streams?.get(attrs as InternedAttributes);
}

/** A returning pusher's stream that it had a reading for when forgotten and that started before: already counted. */
function countedBefore(pusher: Pusher, startNs: string, key: string): boolean {
  return (
    pusher.forgottenAtMs !== undefined &&
    startNs !== '' &&
    Number(startNs) / 1e6 < pusher.forgottenAtMs &&
    wasForgotten(pusher.forgottenStreams ?? null, key)
  );
}

export class Aggregator implements SeriesSource {
  private readonly seriesByKey = new Map<string, StoredSeries>();
  /** Series held, per job (maxSeries with its per-job cap and reserve: see fair-quota.ts). */
  private readonly seriesQuota: FairQuota;
  /** Family and label ownership, so no input makes the exposition unparseable. Code that drops a series calls `names.release`. */
  private readonly names = new ExposedNames((key) => this.seriesByKey.has(key));
  private readonly pushers = new Map<string, Pusher>();
  private readonly tombstones = new Map<string, Tombstone>();
  /** The `max` gauges' readings by series (summed-gauges.ts), rebuilt from the pushers' on load. */
  private readonly maxOfReadings = new MaxOfReadings();
  /** Stream hashes held by tombstones and returned pushers (bounded by MAX_FORGOTTEN_HASHES). */
  private forgottenHashes = 0;
  overflow = 0;
  /**
   * Points refused per cap (`max_series`, `max_series_per_job`, `max_jobs`, `max_readings`,
   * `max_readings_per_job`, `max_pushers`, `max_pushers_per_job`).
   */
  readonly overflowByCap = new Map<string, number>();
  /** Pushers held, per job (maxPushers, fairly: see fair-quota.ts). */
  private readonly pusherQuota: FairQuota;
  /** Per-pusher readings held, per job (maxReadings, fairly). */
  private readonly readingQuota: FairQuota;
  /** Job → when one of its series last got a point: a job idle for the series TTL is dropped. */
  private readonly jobSeenMs = new Map<string, number>();
  /** What expired jobs' series had counted: a series that comes back resumes from it. */
  private expiredTotals = new ExpiredTotals();
  /** Series dropped by the series TTL since start (not persisted, like the other self counters). */
  expiredSeries = 0;
  /** Resource labels' values held by pushers, and points whose value overflowed (not persisted). */
  readonly resourceLabels: ResourceLabels;
  /** Numbers each `ingest` call: a summed gauge's reading not set by its pusher's latest push is gone. */
  private pushNumber = 0;

  constructor(private readonly limits: AggregatorLimits) {
    const l = limits;
    this.seriesQuota = new FairQuota({ total: l.maxSeries, perJob: l.maxSeriesPerJob, reserved: l.reservedSeriesPerJob, maxJobs: l.maxJobs });
    this.pusherQuota = new FairQuota({ total: l.maxPushers, perJob: l.maxPushersPerJob, reserved: l.reservedPushersPerJob, maxJobs: l.maxJobs });
    this.readingQuota = new FairQuota({ total: l.maxReadings ?? Infinity, perJob: l.maxReadingsPerJob, reserved: l.reservedReadingsPerJob, maxJobs: l.maxJobs });
    this.resourceLabels = new ResourceLabels(l.resourceLabels);
  }

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

  get readings(): number {
    return this.readingQuota.size;
  }

  get jobCount(): number {
    return this.seriesQuota.jobCount;
  }

  private countOverflow(cap: string, n = 1): void {
    this.overflow += n;
    this.overflowByCap.set(cap, (this.overflowByCap.get(cap) ?? 0) + n);
  }

  /** Why `job` may not get one more series (cap name, partial_success reason, message). */
  private seriesCapOf(job: string): [string, string, string] | undefined {
    const l = this.limits;
    if (!this.seriesQuota.holds(job) && this.seriesQuota.jobCount >= (l.maxJobs ?? Infinity)) {
      return ['max_jobs', 'job_limit', `too many jobs hold series (maxJobs ${l.maxJobs}); a job's series expire after the series TTL without points`];
    }
    const why = this.seriesQuota.refusal(job);
    if (why === 'per_job') return ['max_series_per_job', 'series_limit', `series limit reached (maxSeriesPerJob ${l.maxSeriesPerJob} for ${job})`];
    if (why === 'total') {
      const reserved = l.maxJobs === undefined ? 0 : (l.reservedSeriesPerJob ?? 0);
      const detail = reserved > 0 ? `: the series shared beyond each job's reserved ${reserved} are taken` : '';
      return ['max_series', 'series_limit', `series limit reached (maxSeries ${l.maxSeries}${detail})`];
    }
    return undefined;
  }

  /** A cumulative point needs a new reading: refused (`reading_limit`) when its job's share is held. */
  private readingRefused(job: string): [string, string] | undefined {
    const why = this.readingQuota.refusal(job);
    if (why === undefined) return undefined;
    const l = this.limits;
    this.countOverflow(why === 'per_job' ? 'max_readings_per_job' : 'max_readings');
    const cap = why === 'per_job' ? `maxReadingsPerJob ${l.maxReadingsPerJob} for ${job}` : `maxReadings ${l.maxReadings}, beyond each job's reserved ${l.reservedReadingsPerJob ?? 0}`;
    return ['reading_limit', `too many per-pusher readings held (${cap}); idle pushers are forgotten after the pusher TTL`];
  }

  /** Jobs none of whose series got a point within the series TTL. */
  expiredJobs(nowMs: number): string[] {
    const ttl = this.limits.seriesTtlMs;
    if (ttl === undefined) return [];
    const out: string[] = [];
    for (const job of this.seriesQuota.jobs()) {
      const seen = this.jobSeenMs.get(job);
      // A job restored from a snapshot that predates expiry starts its clock now.
      if (seen === undefined) this.jobSeenMs.set(job, nowMs);
      else if (nowMs - seen > ttl) out.push(job);
    }
    return out;
  }

  /**
   * Drops every series of these jobs (memory, /metrics, the caps), remembering what each counter
   * and histogram had counted (bounded: expired-totals.ts). The pushers' readings stay: a series
   * that comes back resumes from its total and a pusher's next point adds only its increase, so
   * Prometheus, the SLO engine and key usage see one counter that never went down nor lost events
   * (a gap is not a reset for Prometheus's increase(): a series restarting from 0 would lose them).
   * With `nowMs`, a job that got a point since `expiredJobs` chose it (a push applied while the
   * expiry was being logged) is kept; the replay passes the logged time and decides the same way.
   */
  dropJobs(jobs: readonly string[], nowMs?: number): number {
    const ttl = this.limits.seriesTtlMs;
    const stillIdle = (j: string) => {
      const seen = this.jobSeenMs.get(j);
      return nowMs === undefined || ttl === undefined || seen === undefined || nowMs - seen > ttl;
    };
    const gone = new Set(jobs.filter((j) => this.seriesQuota.holds(j) && stillIdle(j)));
    if (gone.size === 0) return 0;
    return this.dropSeries((s) => gone.has(s.job));
  }

  /** Resource label values of live jobs no pusher has held for the series TTL (resource-labels.ts). */
  expiredResourceValues(nowMs: number): JobLabelValue[] {
    const ttl = this.limits.seriesTtlMs;
    return ttl === undefined ? [] : this.resourceLabels.expiredValues(nowMs, ttl);
  }

  /**
   * Drops the series of each job that carry one of these resource label values (a version no longer
   * deployed), as `dropJobs` drops a job's: totals remembered, so a value that comes back resumes.
   * With `nowMs`, a value a pusher took again since `expiredResourceValues` chose it is kept.
   */
  dropResourceValues(values: readonly JobLabelValue[], nowMs?: number): number {
    const ttl = this.limits.seriesTtlMs;
    const gone = new Map<string, [string, string][]>();
    for (const v of values) {
      if (nowMs !== undefined && ttl !== undefined && !this.resourceLabels.stillExpired(v, nowMs, ttl)) continue;
      this.resourceLabels.dropFreed(v);
      const [job, label, value] = v;
      gone.set(job, [...(gone.get(job) ?? []), [this.resourceLabels.keyOf(label), value]]);
    }
    if (gone.size === 0) return 0;
    return this.dropSeries((s) => gone.get(s.job)?.some(([k, value]) => s.attributes[k] === value) ?? false);
  }

  /** Drops the series `test` picks (memory, /metrics, the caps), remembering counters' and histograms' totals. */
  private dropSeries(test: (s: StoredSeries) => boolean): number {
    let dropped = 0;
    const droppedKeys = new Set<string>();
    for (const [key, s] of this.seriesByKey) {
      if (!test(s)) continue;
      droppedKeys.add(key);
      this.seriesByKey.delete(key);
      this.names.release(s, key);
      this.expiredTotals.remember(key, s);
      this.seriesQuota.give(s.job);
      dropped++;
    }
    if (dropped === 0) return 0;
    for (const job of this.jobSeenMs.keys()) if (!this.seriesQuota.holds(job)) this.jobSeenMs.delete(job);
    // Cached streams point at the dropped series objects: let every pusher resolve them again.
    for (const p of this.pushers.values()) {
      delete p.streams;
      // A summed gauge's series is gone with its sum: its readings go too, so a return starts from 0.
      if (p.summed === undefined) continue;
      for (const [name, key] of [...p.summed.entries()]) if (droppedKeys.has(key)) this.dropSummedReading(p, name, key);
    }
    this.expiredSeries += dropped;
    return dropped;
  }

  ingest(resources: readonly ResourceMetrics[], nowMs: number): IngestResult {
    const result: IngestResult = { accepted: 0, rejected: new Map(), ignored: 0, messages: [] };
    const push = ++this.pushNumber;
    /** Pushers and the summed gauges this push carried for them: readings it did not set are gone after it. */
    let summedSeen: Map<Pusher, Set<string>> | undefined;
    const reject = (reason: string, n: number, message: string) => {
      if (n <= 0) return;
      result.rejected.set(reason, (result.rejected.get(reason) ?? 0) + n);
      if (result.messages.length < 5 && !result.messages.includes(message)) result.messages.push(message);
    };
    for (const rm of resources) {
      const { job, pid } = identityOf(rm.resource);
      let pusher = this.pushers.get(pid);
      if (!pusher) {
        const full = this.pusherQuota.refusal(job);
        if (full !== undefined) {
          // Each pusher costs memory for its readings: a flood of new identities must not exhaust it,
          // nor (fair share) take the room of other jobs' pushers.
          let n = 0;
          for (const m of rm.metrics) n += m.data.type === 'unsupported' ? m.data.points : m.data.points.length;
          const cap = full === 'per_job' ? `${this.pusherQuota.heldBy(job)} for ${job}, maxPushersPerJob` : `${this.pushers.size}, maxPushers`;
          reject('pusher_limit', n, `too many distinct pushers (${cap}); idle ones are forgotten after the pusher TTL`);
          if (n > 0) this.countOverflow(full === 'per_job' ? 'max_pushers_per_job' : 'max_pushers', n);
          continue;
        }
        const labels = this.resourceLabels.assign(job, rm.resource);
        pusher = labels === undefined ? { job, lastSeenMs: nowMs, readings: new Map() } : { job, lastSeenMs: nowMs, readings: new Map(), labels };
        this.pusherQuota.take(job);
        const forgotten = this.tombstones.get(pid);
        if (forgotten !== undefined) {
          pusher.forgottenAtMs = forgotten.atMs;
          pusher.forgottenStreams = forgotten.streams;
          this.tombstones.delete(pid);
        }
        this.pushers.set(pid, pusher);
      }
      pusher.lastSeenMs = Math.max(pusher.lastSeenMs, nowMs);
      const acceptedBefore = result.accepted;
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
        const summed = !counter && isSummedGauge(name) ? push : undefined;
        if (summed !== undefined) {
          const names = (summedSeen ??= new Map()).get(pusher);
          if (names === undefined) summedSeen.set(pusher, new Set([name]));
          else names.add(name);
        }
        for (const p of d.points) {
          const why = this.addNumber(job, name, promName, kind, m, temporality, p, pusher, streams, summed);
          if (why) reject(why[0], 1, why[1]);
          else result.accepted++;
        }
      }
      if (result.accepted > acceptedBefore) this.jobSeenMs.set(job, Math.max(this.jobSeenMs.get(job) ?? nowMs, nowMs));
      this.resourceLabels.countPoints(pusher.labels, result.accepted - acceptedBefore);
    }
    if (summedSeen !== undefined) {
      for (const [pusher, names] of summedSeen) {
        for (const name of names) for (const key of pusher.summed?.omittedBy(name, push) ?? []) this.dropSummedReading(pusher, name, key);
      }
    }
    return result;
  }

  /** A pusher's reading of a summed gauge goes: its value leaves the series' sum. */
  private dropSummedReading(pusher: Pusher, name: string, key: string): void {
    const reading = pusher.readings.get(key);
    pusher.summed?.delete(name, key);
    if (reading === undefined) return;
    const s = this.seriesByKey.get(key);
    const max = isMaxGauge(name) ? this.maxOfReadings.delete(key, pusher) : undefined;
    if (s !== undefined) s.value = max ?? s.value - reading.value;
    pusher.readings.delete(key);
    this.readingQuota.give(pusher.job);
  }

  private dropSummedReadings(pusher: Pusher): void {
    for (const [name, key] of [...(pusher.summed?.entries() ?? [])]) this.dropSummedReading(pusher, name, key);
    delete pusher.summed;
  }

  /** `bounds`: a histogram point's, so an expired series resumes only with the same buckets. */
  private seriesFor(job: string, name: string, promName: string, kind: StoredSeries['kind'], m: { unit: string; description: string }, attrs: Attributes, key: string, bounds: readonly number[] | undefined): StoredSeries | [string, string] {
    let s = this.seriesByKey.get(key);
    // One name pushed as another kind or unit would otherwise write into a series of another family.
    if (s) return s.kind === kind && s.promName === promName ? s : ['type_conflict', `${name}: pushed as ${kind} ${promName}, but its series is ${s.kind} ${s.promName}`];
    const known = this.names.kindOf(promName);
    if (known && known !== kind) return ['type_conflict', `${name}: pushed as ${kind}, but ${promName} is already a ${known}`];
    const cap = this.seriesCapOf(job);
    if (cap) {
      this.countOverflow(cap[0]);
      return [cap[1], cap[2]];
    }
    const refused = this.names.admit({ job, name, promName, kind, attributes: attrs }, key);
    if (refused) return refused;
    s = { job, name, promName, attributes: { ...attrs }, kind, value: 0, description: m.description, unit: m.unit };
    const resumed = this.expiredTotals.take(key, promName, kind, bounds);
    if (resumed !== undefined) {
      s.value = resumed.value;
      if (resumed.histogram) s.histogram = resumed.histogram;
    }
    this.seriesByKey.set(key, s);
    this.seriesQuota.take(job);
    return s;
  }

  /**
   * The stream of a point: from the pusher's cache when its attribute set is interned (by the
   * protobuf reader: `InternedAttributes`) and was seen
   * before, else by key (and cached if it can be). A series refused (limits, type conflict) is not
   * cached: the next push asks again. Every cap is checked before a series is made (`needsReading`:
   * a cumulative point, which needs a reading), so a refused point never leaves an empty series.
   */
  private streamOf(
    job: string,
    name: string,
    promName: string,
    kind: StoredSeries['kind'],
    m: { unit: string; description: string },
    attrs: PointAttributes,
    pusher: Pusher,
    streams: WeakMap<InternedAttributes, Stream> | undefined,
    key: string | undefined,
    needsReading: boolean,
    bounds?: readonly number[],
  ): Stream | [string, string] {
    const cached = cachedStream(streams, attrs);
    if (cached !== undefined && cached.series.kind === kind && cached.series.promName === promName) return cached;
    // The cache is the pusher's own, keyed by the pushed set: its resource labels are the same for every point.
    const labelled = this.resourceLabels.withLabels(attrs, pusher.labels);
    const tooBig = labelProblem(this.limits, job, name, promName, labelled);
    if (tooBig) return tooBig;
    key ??= `${job}\0${name}\0${attrsKey(labelled)}`;
    if (needsReading && !pusher.readings.has(key)) {
      const refused = this.readingRefused(job);
      if (refused) return refused;
    }
    const s = this.seriesFor(job, name, promName, kind, m, labelled, key, bounds);
    if (Array.isArray(s)) return s;
    const stream: Stream = { key, series: s, reading: pusher.readings.get(key) };
    if (isInterned(attrs)) {
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
    streams: WeakMap<InternedAttributes, Stream> | undefined,
    summedPush?: number,
  ): [string, string] | undefined {
    if (kind === 'counter' && temporality !== TEMPORALITY_DELTA && temporality !== TEMPORALITY_CUMULATIVE) {
      return ['bad_temporality', `${name}: aggregation temporality unspecified`];
    }
    if (kind === 'counter' && p.value < 0) return ['negative', `${name}: negative value for a monotonic sum`];
    if (!Number.isFinite(p.value)) return nonFinite(name);
    // A summed gauge's sum is kept by adding changes: exact only for whole counts within 2^53.
    if (summedPush !== undefined && !isCount(p.value)) return notACount(name);
    const needsReading = (kind === 'counter' && temporality === TEMPORALITY_CUMULATIVE) || summedPush !== undefined;
    const stream = this.streamOf(job, name, promName, kind, m, p.attributes, pusher, streams, undefined, needsReading);
    if (Array.isArray(stream)) return stream;
    const s = stream.series;
    if (summedPush !== undefined) return this.addSummed(job, name, s, stream.key, p.value, pusher, summedPush);
    if (kind === 'gauge') {
      s.value = p.value;
      return undefined;
    }
    if (temporality === TEMPORALITY_DELTA) {
      const next = s.value + p.value;
      if (!Number.isFinite(next)) return nonFinite(name);
      s.value = next;
      return undefined;
    }
    const prev = stream.reading ?? this.readingOf(stream, pusher);
    const refused = prev ? undefined : this.readingRefused(job);
    if (refused) return refused;
    const increase = !prev
      ? countedBefore(pusher, p.start, stream.key) ? 0 : p.value
      : increaseSince(prev.value, p.value, prev.start !== p.start || p.value < prev.value);
    // Refused before anything changes: the reading stays, so the next point is compared with it.
    if (!Number.isFinite(s.value + increase)) return nonFinite(name);
    s.value += increase;
    if (prev) {
      prev.start = p.start;
      prev.value = p.value;
    } else {
      stream.reading = { start: p.start, value: p.value };
      pusher.readings.set(stream.key, stream.reading);
      this.readingQuota.take(job);
    }
    return undefined;
  }

  /**
   * A summed gauge's point: the series moves by the change of this pusher's reading. Read from the
   * pusher's readings, never the stream's cached one: a push that omitted the set may have dropped it.
   */
  private addSummed(job: string, name: string, s: StoredSeries, key: string, value: number, pusher: Pusher, push: number): [string, string] | undefined {
    const prev = pusher.readings.get(key);
    const refused = prev ? undefined : this.readingRefused(job);
    if (refused) return refused;
    const maxed = isMaxGauge(name);
    const next = maxed ? 0 : s.value + value - (prev?.value ?? 0);
    if (!isCount(next)) return notACount(name);
    if (prev) prev.value = value;
    else {
      pusher.readings.set(key, { start: '', value });
      this.readingQuota.take(job);
    }
    s.value = maxed ? this.maxOfReadings.set(key, pusher, value) : next;
    (pusher.summed ??= new SummedReadings()).mark(name, key, push);
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
    streams: WeakMap<InternedAttributes, Stream> | undefined,
  ): [string, string] | undefined {
    if (temporality !== TEMPORALITY_DELTA && temporality !== TEMPORALITY_CUMULATIVE) {
      return ['bad_temporality', `${name}: aggregation temporality unspecified`];
    }
    const counts = p.counts.length > 0 ? p.counts : [p.count];
    const bounds = p.counts.length > 0 ? p.bounds : [];
    for (let i = 0; i < counts.length; i++) if (counts[i]! < 0) return ['negative', `${name}: negative bucket count`];
    const bad = histogramProblem(name, p);
    if (bad) return bad;
    if (!Number.isFinite(p.sum) || !Number.isFinite(p.count)) return nonFinite(name);
    let stream = cachedStream(streams, p.attributes);
    // A cached stream of another kind or family (same name pushed otherwise): streamOf refuses it.
    if (stream !== undefined && (stream.series.kind !== 'histogram' || stream.series.promName !== promName)) stream = undefined;
    let key: string | undefined;
    const existing = stream !== undefined ? stream.series : this.seriesByKey.get((key = `${job}\0${name}\0${attrsKey(this.resourceLabels.withLabels(p.attributes, pusher.labels))}`));
    if (existing?.histogram && !sameBounds(existing.histogram.bounds, bounds)) {
      return ['bucket_mismatch', `${name}: bucket bounds [${bounds.join(',')}] differ from the stream's [${existing.histogram.bounds.join(',')}]`];
    }
    if (stream === undefined) {
      const found = this.streamOf(job, name, promName, 'histogram', m, p.attributes, pusher, streams, key, temporality === TEMPORALITY_CUMULATIVE, bounds);
      if (Array.isArray(found)) return found;
      stream = found;
    }
    const s = stream.series;
    const h = (s.histogram ??= { bounds: [...bounds], counts: new Array<number>(counts.length).fill(0), sum: 0, count: 0 });
    const hc = h.counts;
    if (temporality === TEMPORALITY_CUMULATIVE) {
      const prev = stream.reading ?? this.readingOf(stream, pusher);
      const refused = prev ? undefined : this.readingRefused(job);
      if (refused) return refused;
      const pc = prev?.counts;
      const reset = !prev || !pc || prev.start !== p.start || pc.length !== counts.length || p.count < prev.value || anyWentDown(pc, counts);
      if (!prev && countedBefore(pusher, p.start, stream.key)) {
        // Already counted before the pusher was forgotten: this reading is only a baseline.
      } else {
        const sum = h.sum + increaseSince(prev?.sum ?? 0, p.sum, reset);
        const count = h.count + increaseSince(prev?.value ?? 0, p.count, reset);
        if (!Number.isFinite(sum) || !Number.isFinite(count)) return nonFinite(name);
        for (let i = 0; i < counts.length; i++) hc[i]! += increaseSince(reset ? 0 : pc![i]!, counts[i]!, reset);
        h.sum = sum;
        h.count = count;
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
        this.readingQuota.take(job);
      }
    } else {
      const sum = h.sum + p.sum;
      const count = h.count + p.count;
      if (!Number.isFinite(sum) || !Number.isFinite(count)) return nonFinite(name);
      for (let i = 0; i < counts.length; i++) hc[i]! += counts[i]!;
      h.sum = sum;
      h.count = count;
    }
    s.value = h.count;
    if (p.exemplars) {
      s.exemplars ??= new Array(h.counts.length).fill(undefined);
      for (const e of p.exemplars) {
        // OpenMetrics caps an exemplar's labels at 128 characters: only W3C-sized IDs are shown.
        if (e.traceId.length !== 32 || (e.spanId.length !== 16 && e.spanId !== '')) continue;
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

  /** These pushers with when each was last seen, for `forget` (the logged record). */
  lastSeen(ids: readonly string[]): [string, number][] {
    return ids.map((id) => [id, this.pushers.get(id)?.lastSeenMs ?? -1]);
  }

  /**
   * Forget pushers, remembering for each which streams it had readings for (derived from the state
   * alone, so a replay of the logged forget gives the same tombstones). An entry `[id, lastSeenMs]`
   * (`expiredPushers` with `lastSeen`, as logged) is skipped when the pusher was seen since: chosen,
   * then a push of it (logged before the forget) applied while the forget was being logged;
   * forgotten, its next push would only be a baseline and that push's increase lost. Decided from
   * the record alone (not the TTL, which a restart may change), so the replay decides the same.
   */
  forget(ids: readonly (string | readonly [string, number])[], nowMs: number): void {
    for (const entry of ids) {
      const [id, seen] = typeof entry === 'string' ? [entry, undefined] : entry;
      const pusher = this.pushers.get(id);
      if (!pusher || (seen !== undefined && pusher.lastSeenMs !== seen)) continue;
      this.pushers.delete(id);
      // Its summed gauges' values leave the sums (not kept like counts: they are its view, not events).
      this.dropSummedReadings(pusher);
      this.pusherQuota.give(pusher.job);
      this.dropGauges(pusher.job, this.resourceLabels.release(pusher.job, pusher.labels, this.limits.seriesTtlMs === undefined ? undefined : nowMs));
      this.readingQuota.give(pusher.job, pusher.readings.size);
      this.forgottenHashes -= pusher.forgottenStreams?.length ?? 0;
      this.dropTombstone(id);
      const streams = forgottenStreamsOf(pusher.readings.keys(), pusher.forgottenAtMs !== undefined ? (pusher.forgottenStreams ?? null) : undefined);
      this.tombstones.set(id, { atMs: nowMs, streams });
      this.forgottenHashes += streams?.length ?? 0;
      if (this.tombstones.size > MAX_TOMBSTONES) this.dropTombstone(this.tombstones.keys().next().value!);
    }
    this.boundForgottenHashes();
  }

  /**
   * A job's gauges carrying resource label values none of its pushers holds any more (an old
   * version's): a gauge keeps the last value pushed, so they would stay beside the running
   * version's for as long as the job lives, and `sum by (job)` would add them (key clients, failing
   * clients) or keep an old owner or status. Counters and histograms stay for the series TTL more
   * (`dropResourceValues`), so Prometheus scrapes their last increase. Part of `forget`, so a
   * replay drops them alike.
   */
  private dropGauges(job: string, freed: readonly [string, string][]): void {
    if (freed.length === 0) return;
    const gone = freed.map(([label, value]) => [this.resourceLabels.keyOf(label), value] as const);
    this.dropSeries((s) => s.job === job && s.kind === 'gauge' && gone.some(([k, v]) => s.attributes[k] === v));
  }

  private dropTombstone(id: string): void {
    const t = this.tombstones.get(id);
    if (t === undefined) return;
    this.forgottenHashes -= t.streams?.length ?? 0;
    this.tombstones.delete(id);
  }

  /** Oldest first, tombstones then returned pushers: coarsen sets to "every stream" until within the bound. */
  private boundForgottenHashes(): void {
    if (this.forgottenHashes <= MAX_FORGOTTEN_HASHES) return;
    for (const t of this.tombstones.values()) {
      if (this.forgottenHashes <= MAX_FORGOTTEN_HASHES) return;
      this.forgottenHashes -= t.streams?.length ?? 0;
      t.streams = null;
    }
    for (const p of this.pushers.values()) {
      if (this.forgottenHashes <= MAX_FORGOTTEN_HASHES) return;
      this.forgottenHashes -= p.forgottenStreams?.length ?? 0;
      if (p.forgottenAtMs !== undefined) p.forgottenStreams = null;
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
      pushers: [...this.pushers].map(([id, p]) => {
        const entry: AggregatorState['pushers'][number] =
          p.forgottenAtMs === undefined
            ? [id, p.lastSeenMs, ReadingsCopy.of(p.readings), null, null, p.job]
            : [id, p.lastSeenMs, ReadingsCopy.of(p.readings), p.forgottenAtMs, forgottenStreamsToJSON(p.forgottenStreams ?? null), p.job];
        if (p.labels) entry.push({ ...p.labels }); // older versions ignore it (tuple rest)
        return entry;
      }),
      tombstones: [...this.tombstones].map(([id, t]) => [id, t.atMs, forgottenStreamsToJSON(t.streams)]),
      overflow: this.overflow,
      jobsSeenMs: [...this.jobSeenMs],
      overflowByCap: [...this.overflowByCap],
      expiredTotals: this.expiredTotals.toJSON(),
      summedGauges: true,
      resourceValuesFreed: this.resourceLabels.freedToJSON(),
    };
  }

  /** Rebuilds from `toJSON()` output; throws (`AggregatorStateError`) on anything that is not aggregator state. */
  static fromJSON(limits: AggregatorLimits, json: unknown): Aggregator {
    const state = parseAggregatorState(json);
    const a = new Aggregator(limits);
    for (const [key, { exemplars: _e, ...s }] of state.series) {
      // An older snapshot's summed gauge held one pusher's last value, not a sum: its pushers' next points rebuild it.
      if (state.summedGauges !== true && s.kind === 'gauge' && isSummedGauge(s.name)) continue;
      // A series an earlier version made from a value or key the closed sets now replace: no push
      // makes it any more, and its labels would stay claimed (the real series that now has them refused).
      if (boundingChanges(s.name, s.attributes ?? {})) continue;
      a.seriesByKey.set(key, s); // exemplars are never persisted: none from a file
      a.seriesQuota.take(s.job);
      a.names.restore({ ...s, attributes: s.attributes ?? {} }, key);
    }
    for (const [id, lastSeenMs, readings, forgottenAtMs, forgotten, job, labels] of state.pushers) {
      // Older snapshots lack the job: it starts every reading's key (a pusher without any counts as '').
      const pusher: Pusher = { job: job ?? readings[0]?.[0].split('\0')[0] ?? '', lastSeenMs, readings: new Map(readings), ...(labels ? { labels } : {}) };
      const summed = SummedReadings.fromReadings(pusher.job, pusher.readings.keys());
      if (summed !== undefined) pusher.summed = summed;
      for (const [name, key] of summed?.entries() ?? []) if (isMaxGauge(name)) a.maxOfReadings.set(key, pusher, pusher.readings.get(key)!.value);
      a.resourceLabels.restore(pusher.job, labels);
      a.pusherQuota.take(pusher.job);
      a.readingQuota.take(pusher.job, readings.length);
      if (typeof forgottenAtMs === 'number') {
        pusher.forgottenAtMs = forgottenAtMs;
        pusher.forgottenStreams = forgottenStreamsFromJSON(forgotten);
        a.forgottenHashes += pusher.forgottenStreams?.length ?? 0;
      }
      a.pushers.set(id, pusher);
    }
    // A max gauge's series is its largest reading (also when the snapshot's version summed them).
    for (const [key, s] of a.seriesByKey) if (s.kind === 'gauge' && isMaxGauge(s.name)) s.value = a.maxOfReadings.valueOf(key);
    // Older snapshots lack these: their jobs' expiry clocks start at the first check (expiredJobs).
    for (const [job, t] of state.jobsSeenMs ?? []) {
      if (a.seriesQuota.holds(job)) a.jobSeenMs.set(job, t);
    }
    for (const [cap, n] of state.overflowByCap ?? []) {
      a.overflowByCap.set(cap, n);
    }
    // A tombstone without hashes (a snapshot from before they were kept) means "every stream".
    for (const [id, t, streams] of state.tombstones ?? []) {
      a.dropTombstone(id);
      a.tombstones.set(id, { atMs: t, streams: forgottenStreamsFromJSON(streams) });
      a.forgottenHashes += a.tombstones.get(id)!.streams?.length ?? 0;
    }
    a.boundForgottenHashes();
    a.resourceLabels.restoreFreed(state.resourceValuesFreed);
    if (state.resourceValuesFreed === undefined && limits.seriesTtlMs !== undefined) a.resourceLabels.freeUnheld(a.seriesByKey.values(), (job) => a.jobSeenMs.get(job));
    a.expiredTotals = ExpiredTotals.fromJSON(state.expiredTotals);
    a.overflow = state.overflow;
    // An older snapshot counted every series cap in `overflow` alone.
    if (state.overflowByCap === undefined && a.overflow > 0) a.overflowByCap.set('max_series', a.overflow);
    return a;
  }
}
