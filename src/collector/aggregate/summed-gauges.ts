/**
 * Gauges whose sources add up across the pushers of a job (the contract's `acrossSources: 'sum'`:
 * `hmac_auth_clients`, `hmac_key_clients`, `hmac_replay_cache_size`). Their series value is the sum
 * of each live pusher's last value, kept as one per-pusher reading per series (the same readings,
 * persisted and capped, as cumulative counters'). The aggregator adds `new - previous` on each
 * point and subtracts a pusher's value when the reading goes:
 * - the pusher is forgotten (pusher TTL), or its job's series expire;
 * - a push from it carries the instrument but not that attribute set: an OpenTelemetry observable
 *   gauge no longer observed stops being exported (the spec; SDKs that keep exporting the last value
 *   instead are taken at their word until the pusher goes).
 *
 * This file holds the per-pusher index of those readings (which ones, and the push that last
 * refreshed each), so a push can find the attribute sets it omitted without scanning every reading.
 */
import { summedAcrossSources } from '@hmac-slo/instrumentation/contract';
import { contractInstrument } from './names.js';

/** Whether a stored (canonical) metric name is a gauge summed across pushers. */
export function isSummedGauge(name: string): boolean {
  const spec = contractInstrument(name);
  return spec !== undefined && summedAcrossSources(spec);
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
