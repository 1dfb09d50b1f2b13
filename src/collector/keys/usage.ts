/**
 * Key rotation status for `GET /api/keys` (the key rotation status panel): each key's
 * declared status from the `hmac.key.info` gauges, and its recent share of verification traffic with
 * the jobs still using it, from `hmac.auth.verifications` by `hmac.key_id`.
 *
 * Share is over a recent window (`collector.keys.usageWindow`, divided by `timeScale`), not since the collector
 * started: a retiring key's lifetime total would dwarf the new key for weeks after a rotation.
 */
import { ATTR, INSTRUMENTS, KEY_ID_OTHER, KEY_ID_UNKNOWN, KEY_OWNER_PATTERN, KEY_STATUSES } from '@hmac-slo/instrumentation/contract';
import type { HmacSloConfig } from '../../config/schema.js';
import type { AggregatedSeries, KeysApiResponse, SeriesSource } from '../model.js';
import { isInstrument } from '../slo/sli.js';
import { scaledMs } from '../slo/windows.js';
import { parseKeyUsageState, type KeyUsageState } from './state.js';
import { addReading, SeriesReadings, seriesIdentity, sumOf } from '../aggregate/series-increase.js';
import { RevocationTracker } from './revocation.js';

export interface KeyUsageOptions {
  /** Window for shares and jobs, a config duration (unscaled; `timeScale` applies). Default `collector.keys.usageWindow`. */
  readonly window?: string;
  /** Cap on tracked (job, key ID) pairs per snapshot; further pairs are counted, not stored. Default `collector.keys.maxEntries`. */
  readonly maxEntries?: number;
}

/** What key usage reads from the config: the time scale and `collector.keys`. */
export type KeyUsageConfig = Pick<HmacSloConfig, 'timeScale'> & { collector: Pick<HmacSloConfig['collector'], 'keys'> };
/** Snapshots per window: the window's start is placed within 1/SNAPSHOTS of its length. */
const SNAPSHOTS = 60;

type KeyStatus = KeysApiResponse['keys'][number]['status'];
/** Lifecycle order: when jobs disagree (mid-rotation), the most advanced status wins. */
const STATUS_RANK: Record<KeyStatus, number> = { active: 0, retiring: 1, revoked: 2, undeclared: 3 };

interface Snapshot {
  readonly t: number;
  /** `job\0keyId` → the tracker's cumulative verifications (all outcomes). */
  readonly counts: ReadonlyMap<string, number>;
}

export class KeyUsage {
  readonly windowName: string;
  private readonly windowMs: number;
  private readonly resolutionMs: number;
  private readonly maxEntries: number;
  private snapshots: Snapshot[] = [];
  /** Last aggregated readings per `job\0keyId`, per series (series-increase.ts): a series leaving is no reset. */
  private readonly lastRaw = new Map<string, SeriesReadings>();
  /** The tracker's own totals per `job\0keyId`: resets folded in, never decreasing. */
  private readonly cum = new Map<string, number>();
  /** False until the first sample: counts present then are the baseline (when they happened is unknown). */
  private sampled = false;
  private untracked = 0;
  /** Time to revoke: revoked since, last presented, last accepted per key (revocation.ts). */
  private revocations: RevocationTracker;

  constructor(config: KeyUsageConfig, opts: KeyUsageOptions = {}) {
    this.windowName = opts.window ?? config.collector.keys.usageWindow;
    this.windowMs = scaledMs(this.windowName, config.timeScale);
    this.resolutionMs = this.windowMs / SNAPSHOTS;
    this.maxEntries = opts.maxEntries ?? config.collector.keys.maxEntries;
    this.revocations = new RevocationTracker(this.maxEntries);
  }

  /**
   * Fold the current per-(job, key) verification totals into the tracker's own never-decreasing
   * totals (a decrease is a reset: the new value is all new traffic, counter-reset.ts), and keep a
   * snapshot of them at most once per window/60.
   */
  sample(source: SeriesSource, nowMs: number): void {
    const { counts, untracked } = this.readCounts(source.series());
    this.untracked = untracked;
    this.revocations.sample(source.series(), nowMs);
    this.fold(counts);
    const last = this.snapshots[this.snapshots.length - 1];
    if (last && Math.floor(nowMs / this.resolutionMs) <= Math.floor(last.t / this.resolutionMs)) return;
    this.snapshots.push({ t: nowMs, counts: new Map(this.cum) });
    // Keep one snapshot at or before the window start, drop older ones.
    while (this.snapshots.length > 1 && this.snapshots[1]!.t <= nowMs - this.windowMs) this.snapshots.shift();
  }

  /** Totals as they would be after folding `raw` in, without changing state (for responses). */
  private folded(raw: ReadonlyMap<string, Map<string, number[]>>): Map<string, number> {
    const out = new Map(this.cum);
    for (const [key, series] of raw) {
      const prev = this.lastRaw.get(key);
      const delta = prev === undefined ? (this.sampled ? sumOf(series, 1)[0]! : 0) : prev.increase(series, 1)[0]!;
      out.set(key, (out.get(key) ?? 0) + delta);
    }
    return out;
  }

  private fold(raw: Map<string, Map<string, number[]>>): void {
    const next = this.folded(raw);
    this.cum.clear();
    for (const [k, v] of next) this.cum.set(k, v);
    for (const [k, series] of raw) {
      const prev = this.lastRaw.get(k);
      if (prev === undefined) this.lastRaw.set(k, SeriesReadings.of(series));
      else prev.update(series);
    }
    this.sampled = true;
  }

  /** Verification totals per `job\0keyId` (at most maxEntries pairs; `untracked`: those beyond). Changes nothing. */
  private readCounts(series: Iterable<AggregatedSeries>): { counts: Map<string, Map<string, number[]>>; untracked: number } {
    const counts = new Map<string, Map<string, number[]>>();
    let fresh = 0; // (job, key) pairs not tracked yet
    let untracked = 0;
    for (const s of series) {
      if (s.kind !== 'counter' || !isInstrument(s, INSTRUMENTS.verifications)) continue;
      const key = `${s.job}\u0000${s.attributes[ATTR.keyId] ?? KEY_ID_UNKNOWN}`;
      if (!counts.has(key) && !this.lastRaw.has(key)) {
        if (this.lastRaw.size + fresh >= this.maxEntries) {
          untracked++;
          continue;
        }
        fresh++;
      }
      let bySeries = counts.get(key);
      if (bySeries === undefined) counts.set(key, (bySeries = new Map()));
      addReading(bySeries, seriesIdentity(s), [Number.isFinite(s.value) && s.value > 0 ? s.value : 0]);
    }
    return { counts, untracked };
  }

  /** Snapshot at or just before `t`, else the oldest (up for less than the window). */
  private baseFor(t: number): Snapshot | undefined {
    let base: Snapshot | undefined;
    for (const s of this.snapshots) {
      if (s.t <= t) base = s;
      else break;
    }
    return base ?? this.snapshots[0];
  }

  /**
   * `GET /api/keys`: every key declared by some job or seen in verifications, with its status, its
   * verifications over the window, its share of all verifications in the window (0 with no traffic)
   * and the jobs whose verifications named it. `unknown` and `other` are never "declared".
   */
  response(source: SeriesSource, nowMs: number): KeysApiResponse {
    const all = [...source.series()];
    const current = this.folded(this.readCounts(all).counts);
    const base = this.baseFor(nowMs - this.windowMs);

    const perKey = new Map<string, { verifications: number; jobs: Set<string> }>();
    let totalVerifications = 0;
    for (const [key, now] of current) {
      const then = base?.counts.get(key) ?? 0;
      const delta = Math.max(0, now - then);
      const [job, keyId] = key.split('\u0000') as [string, string];
      let k = perKey.get(keyId);
      if (!k) perKey.set(keyId, (k = { verifications: 0, jobs: new Set() }));
      if (delta > 0) {
        k.verifications += delta;
        k.jobs.add(job);
        totalVerifications += delta;
      }
    }

    const declared = new Map<string, KeyStatus>();
    /** Key ID → its owner, from the series that gave its status (pushed values outside the pattern are ignored). */
    const owners = new Map<string, string>();
    for (const s of all) {
      if (s.kind !== 'gauge' || !isInstrument(s, INSTRUMENTS.keyInfo) || !(s.value > 0)) continue;
      const keyId = s.attributes[ATTR.keyId];
      const status = s.attributes[ATTR.keyStatus] as KeyStatus | undefined;
      if (!keyId || keyId === KEY_ID_UNKNOWN || keyId === KEY_ID_OTHER) continue;
      if (!status || !(KEY_STATUSES as readonly string[]).includes(status)) continue;
      const prev = declared.get(keyId);
      const owner = s.attributes[ATTR.keyOwner];
      const validOwner = owner !== undefined && KEY_OWNER_PATTERN.test(owner);
      if (prev === undefined || STATUS_RANK[status] > STATUS_RANK[prev]) {
        declared.set(keyId, status);
        if (validOwner) owners.set(keyId, owner);
      } else if (validOwner && !owners.has(keyId)) owners.set(keyId, owner);
    }

    const keyIds = new Set([...declared.keys(), ...perKey.keys()]);
    const keys = [...keyIds].map((keyId) => {
      const usage = perKey.get(keyId);
      const verifications = usage?.verifications ?? 0;
      return {
        keyId,
        status: declared.get(keyId) ?? ('undeclared' as const),
        share: totalVerifications > 0 ? verifications / totalVerifications : 0,
        verifications,
        jobs: usage ? [...usage.jobs].sort() : [],
        ...this.revocations.view(keyId),
        ...(owners.has(keyId) ? { owner: owners.get(keyId)! } : {}),
      };
    });
    keys.sort(
      (a, b) =>
        STATUS_RANK[a.status] - STATUS_RANK[b.status] ||
        b.verifications - a.verifications ||
        (a.keyId < b.keyId ? -1 : a.keyId > b.keyId ? 1 : 0),
    );
    return { window: this.windowName, keys };
  }

  /** Plain JSON for the collector's snapshot: totals, last readings and the window's snapshots. */
  toJSON(): KeyUsageState {
    const keys = [...new Set([...this.cum.keys(), ...this.lastRaw.keys(), ...this.snapshots.flatMap((s) => [...s.counts.keys()])])];
    const column = (m: ReadonlyMap<string, number>) => keys.map((k) => m.get(k) ?? null);
    return {
      version: 1,
      sampled: this.sampled,
      entries: keys.map((k) => {
        const cut = k.indexOf('\u0000');
        return [k.slice(0, cut), k.slice(cut + 1)] as [string, string];
      }),
      lastRaw: keys.map((k) => this.lastRaw.get(k)?.sum(1)[0] ?? null),
      lastSeries: keys.map((k) => (this.lastRaw.get(k)?.toJSON() as [string, number][] | undefined) ?? null),
      cum: column(this.cum),
      snapshots: this.snapshots.map((s) => ({ t: s.t, counts: column(s.counts) })),
      revocations: this.revocations.toJSON(),
    };
  }

  /**
   * Rebuild a tracker from `toJSON()` output under the configured window and entry cap (either may
   * have changed): at most `maxEntries` pairs, the most used first; snapshots in time order, only
   * one at or before the window's start, at most one per resolution step. Throws
   * `KeyUsageStateError` when the JSON is not key usage state.
   */
  static fromJSON(config: KeyUsageConfig, json: unknown, opts: KeyUsageOptions = {}): KeyUsage {
    const state = parseKeyUsageState(json);
    const usage = new KeyUsage(config, opts);
    const order = state.entries
      .map((e, i) => ({ key: `${e[0]}\u0000${e[1]}`, i, cum: state.cum[i] ?? 0 }))
      .sort((a, b) => b.cum - a.cum)
      .slice(0, usage.maxEntries);
    const column = (values: readonly (number | null)[]) => {
      const m = new Map<string, number>();
      for (const o of order) {
        const v = values[o.i];
        if (v !== null && v !== undefined) m.set(o.key, v);
      }
      return m;
    };
    const lastSeries = new Map(order.map((o) => [o.key, state.lastSeries?.[o.i] ?? undefined]));
    for (const [k, v] of column(state.lastRaw)) {
      const series = lastSeries.get(k);
      // Older state kept one sum per (job, key): compared once, then per series.
      usage.lastRaw.set(k, series ? SeriesReadings.fromJSON(series) : SeriesReadings.fromSum([v]));
    }
    for (const [k, v] of column(state.cum)) usage.cum.set(k, v);
    usage.sampled = state.sampled;
    usage.revocations = RevocationTracker.fromJSON(usage.maxEntries, state.revocations ?? [], state.sampled);
    const snaps = state.snapshots
      .map((s) => ({ t: s.t, counts: column(s.counts) }))
      .sort((a, b) => a.t - b.t);
    // The same thinning `sample` does, so a restored window is no larger than a live one.
    const kept: Snapshot[] = [];
    for (const s of snaps) {
      const last = kept[kept.length - 1];
      if (last && Math.floor(s.t / usage.resolutionMs) <= Math.floor(last.t / usage.resolutionMs)) continue;
      kept.push(s);
    }
    const newest = kept[kept.length - 1]?.t ?? 0;
    while (kept.length > 1 && kept[1]!.t <= newest - usage.windowMs) kept.shift();
    usage.snapshots = kept.slice(-(SNAPSHOTS + 2));
    return usage;
  }

  /** Time to revoke per key, for the collector's /metrics. */
  revocationTable(): ReturnType<RevocationTracker['table']> {
    return this.revocations.table();
  }

  stats(): { snapshots: number; untrackedEntries: number } {
    return { snapshots: this.snapshots.length, untrackedEntries: this.untracked };
  }
}
