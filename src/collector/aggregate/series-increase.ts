/**
 * The increase of a set of monotonic series between samples, added up PER SERIES: the one way the
 * SLO engine, key usage and the revocation tracker turn aggregated totals into events.
 *
 * Why not the increase of the set's sum: the aggregator drops series of a live job (an old
 * version's, once no pusher had it for `seriesTtl`; docs/collector.md), and a sum that falls reads
 * as a counter reset, which counts the whole remaining total again. Per series, a series that
 * leaves simply stops contributing, while a series that went down is a reset of that series
 * (counter-reset.ts). A series not seen before counts in full (it appeared since the last sample), as it
 * raised the sum before. A series that left keeps its last reading (bounded, see `update`), so if
 * it comes back resuming from its remembered total (expired-totals.ts), only its new events count.
 */
import type { AggregatedSeries } from '../model.js';
import { anyWentDown, increaseSince } from './counter-reset.js';

/** Readings that left kept at least this many per set (beyond: as many as the set had present at most). Small: every (job, SLO) and (job, key) set holds them, and the snapshot too. */
const MIN_VANISHED_KEPT = 8;

/** One series' readings (e.g. [bad, total]), by identity. */
export type SetReadings = ReadonlyMap<string, readonly number[]>;

/** Persisted as [identity, ...readings]. */
export type SeriesReadingsJSON = [string, ...number[]][];

const identities = new WeakMap<object, string>();

/** A series' identity within its job: instrument, kind and every attribute (resource labels too). */
export function seriesIdentity(s: AggregatedSeries): string {
  let id = identities.get(s);
  if (id === undefined) {
    const keys = Object.keys(s.attributes).sort();
    id = `${s.name}\u0000${s.kind}`;
    for (const k of keys) id += `\u0000${k}\u0001${s.attributes[k]}`;
    identities.set(s, id);
  }
  return id;
}

/** Adds `reading` to the series' entry in `into` (several aggregated series may share an identity only in tests). */
export function addReading(into: Map<string, number[]>, id: string, reading: readonly number[]): void {
  const r = into.get(id);
  if (r === undefined) into.set(id, [...reading]);
  else for (let i = 0; i < r.length; i++) r[i]! += reading[i] ?? 0;
}

/** Element-wise sum of a set's readings (`width` values each). */
export function sumOf(now: SetReadings, width: number): number[] {
  const out = new Array<number>(width).fill(0);
  for (const r of now.values()) for (let i = 0; i < width; i++) out[i]! += r[i] ?? 0;
  return out;
}

/** The last readings of one set of series (a (job, SLO), a (job, key)). */
export class SeriesReadings {
  private last = new Map<string, number[]>();
  /** Most series present at once: bounds how many that left are kept. */
  private peak = 0;
  /** From state saved before per-series readings: the set's summed reading, compared once. */
  private legacySum: number[] | undefined;

  /** Readings restored from state that kept only the set's sum: the next increase compares sums once. */
  static fromSum(sum: readonly number[]): SeriesReadings {
    const r = new SeriesReadings();
    r.legacySum = [...sum];
    return r;
  }

  /** Readings taken as they are now (a baseline). */
  static of(now: SetReadings): SeriesReadings {
    const r = new SeriesReadings();
    r.update(now);
    return r;
  }

  static fromJSON(json: SeriesReadingsJSON): SeriesReadings {
    const r = new SeriesReadings();
    for (const [id, ...values] of json) r.last.set(id, values);
    // Not the readings held: they include series that left, so each restart would raise the bound
    // by a version's series. The peak counts again from the next sample (at least one version held).
    r.peak = 0;
    return r;
  }

  /** Undefined while only a restored sum is held (persist the sum alone, as it was read). */
  toJSON(): SeriesReadingsJSON | undefined {
    if (this.legacySum !== undefined) return undefined;
    return [...this.last].map(([id, values]) => [id, ...values]);
  }

  /**
   * Increase of the set from these readings to `now` (`width` values per series), summed over its
   * series; changes nothing. Series in `now` not read before count in full; series absent from
   * `now` add nothing. A series that went down restarted from 0 (it left and came back without its
   * remembered total: expired-totals.ts): as for one counter (counter-reset.ts), and as Prometheus's
   * increase() per series, its whole new value is new events; the set's other series count only
   * theirs (the aggregator and these readings are restored from one snapshot, so a loss of the
   * aggregator's state alone never happens: a damaged snapshot starts both afresh).
   */
  increase(now: SetReadings, width: number): number[] {
    if (this.legacySum !== undefined) {
      const sum = sumOf(now, width);
      const reset = anyWentDown(this.legacySum, sum);
      return sum.map((v, i) => increaseSince(this.legacySum![i] ?? 0, v, reset));
    }
    const out = new Array<number>(width).fill(0);
    for (const [id, r] of now) {
      const prev = this.last.get(id);
      const restarted = prev === undefined || anyWentDown(prev, r);
      for (let i = 0; i < width; i++) out[i]! += restarted ? (r[i] ?? 0) : (r[i] ?? 0) - (prev[i] ?? 0);
    }
    return out;
  }

  /**
   * Take `now` as the last readings. Series that left keep their reading (they may come back
   * resuming from their total), the oldest forgotten beyond as many as the set ever had present
   * (at least MIN_VANISHED_KEPT): about one earlier version's series per set.
   */
  update(now: SetReadings): void {
    this.legacySum = undefined;
    for (const [id, r] of now) {
      const held = this.last.get(id);
      if (held === undefined) this.last.set(id, [...r]);
      else for (let i = 0; i < r.length; i++) held[i] = r[i]!;
    }
    this.peak = Math.max(this.peak, now.size);
    let vanished = this.last.size - now.size;
    const keep = Math.max(this.peak, MIN_VANISHED_KEPT);
    if (vanished <= keep) return;
    for (const id of this.last.keys()) {
      if (vanished <= keep) break;
      if (now.has(id)) continue;
      this.last.delete(id);
      vanished--;
    }
  }

  /** Element-wise sum of the readings held (for state an older collector reads). */
  sum(width: number): number[] {
    return this.legacySum !== undefined ? [...this.legacySum] : sumOf(this.last, width);
  }

  /** Series readings held (present and left). */
  get size(): number {
    return this.last.size;
  }
}
