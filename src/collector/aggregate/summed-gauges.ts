/**
 * Gauges combined across the pushers of a job (the contract's `acrossSources`): `sum`
 * (`hmac_replay_cache_size`: the sum of each live pusher's last value) and `max`
 * (`hmac_auth_clients`, `hmac_key_clients`: the largest live pusher's last value, a replica's view of
 * one client population; docs/metrics.md "Across replicas"). Both keep one per-pusher reading per
 * series (the same readings, persisted and capped, as cumulative counters'). For a sum the
 * aggregator adds `new - previous` on each point and subtracts a pusher's value when the reading
 * goes; for a max it takes the largest reading left (`MaxOfReadings`). A reading goes when:
 * - the pusher is forgotten (pusher TTL), or its job's series expire;
 * - a push from it carries the instrument but not that attribute set: an OpenTelemetry observable
 *   gauge no longer observed stops being exported (the spec; SDKs that keep exporting the last value
 *   instead are taken at their word until the pusher goes).
 *
 * This file holds the per-pusher index of those readings (which ones, and the push that last
 * refreshed each), so a push can find the attribute sets it omitted without scanning every reading.
 */
import { maxAcrossSources, summedAcrossSources } from '@hmac-slo/instrumentation/contract';
import { contractInstrument } from './names.js';

/** Whether a stored (canonical) metric name is a gauge combined across pushers (sum or max): kept per pusher. */
export function isSummedGauge(name: string): boolean {
  const spec = contractInstrument(name);
  return spec !== undefined && (summedAcrossSources(spec) || maxAcrossSources(spec));
}

/** Whether a stored (canonical) metric name is a gauge whose series is its largest pusher's value. */
export function isMaxGauge(name: string): boolean {
  const spec = contractInstrument(name);
  return spec !== undefined && maxAcrossSources(spec);
}

/**
 * The readings of the `max` gauges by series key: each pusher's last value, so the series can take
 * the largest one left when a reading changes or goes (a scan only when the largest one fell or
 * left). Not persisted: rebuilt from the pushers' readings (`Aggregator.fromJSON`).
 */
export class MaxOfReadings {
  private readonly byKey = new Map<string, { readings: Map<object, number>; max: number }>();

  /** Sets `pusher`'s reading of series `key`; returns the series' value (the largest reading). */
  set(key: string, pusher: object, value: number): number {
    let entry = this.byKey.get(key);
    if (entry === undefined) this.byKey.set(key, (entry = { readings: new Map(), max: 0 }));
    const prev = entry.readings.get(pusher);
    entry.readings.set(pusher, value);
    if (value >= entry.max) entry.max = value;
    else if (prev === entry.max) entry.max = largest(entry.readings);
    return entry.max;
  }

  /** Takes `pusher`'s reading of series `key` out; returns the series' value (0 when none is left). */
  delete(key: string, pusher: object): number {
    const entry = this.byKey.get(key);
    if (entry === undefined) return 0;
    const prev = entry.readings.get(pusher);
    entry.readings.delete(pusher);
    if (entry.readings.size === 0) this.byKey.delete(key);
    else if (prev === entry.max) entry.max = largest(entry.readings);
    return entry.readings.size === 0 ? 0 : entry.max;
  }

  /** The series' value: its largest reading, 0 when it has none. */
  valueOf(key: string): number {
    return this.byKey.get(key)?.max ?? 0;
  }
}

function largest(readings: ReadonlyMap<object, number>): number {
  let max = 0;
  for (const v of readings.values()) if (v > max) max = v;
  return max;
}

/**
 * A pusher's summed-gauge readings: instrument name → series key → the push (`Aggregator` ingest
 * number) that last set it. Not persisted: rebuilt from the readings' keys (`fromReadings`).
 */
export class SummedReadings {
  private readonly byName = new Map<string, Map<string, number>>();

  mark(name: string, key: string, push: number): void {
    let keys = this.byName.get(name);
    if (keys === undefined) this.byName.set(name, (keys = new Map()));
    keys.set(key, push);
  }

  delete(name: string, key: string): void {
    const keys = this.byName.get(name);
    if (keys === undefined) return;
    keys.delete(key);
    if (keys.size === 0) this.byName.delete(name);
  }

  /** Keys of `name` that push `push` did not set (omitted by it). */
  omittedBy(name: string, push: number): string[] {
    const out: string[] = [];
    for (const [key, at] of this.byName.get(name) ?? []) if (at !== push) out.push(key);
    return out;
  }

  /** Every [name, key] held. */
  *entries(): IterableIterator<[string, string]> {
    for (const [name, keys] of this.byName) for (const key of keys.keys()) yield [name, key];
  }

  /**
   * From a restored pusher's reading keys (`job\0name\0attributes`): the summed gauges' ones, each
   * as set by push 0 (before any live push).
   */
  static fromReadings(job: string, keys: Iterable<string>): SummedReadings | undefined {
    let out: SummedReadings | undefined;
    const from = job.length + 1;
    for (const key of keys) {
      const end = key.indexOf('\0', from);
      if (end < 0 || !key.startsWith(`${job}\0`)) continue;
      const name = key.slice(from, end);
      if (isSummedGauge(name)) (out ??= new SummedReadings()).mark(name, key, 0);
    }
    return out;
  }
}
