/**
 * Time to revoke (the HMAC auth guide's scenario): for each key, when it was last accepted, and for
 * a revoked key when the collector first saw it revoked and when it was last presented (any outcome)
 * after that. Read from the aggregated series at every sample, so times have the sample period's
 * resolution (`collector.samplePeriod`). Part of key usage's snapshot, so a restart keeps them.
 *
 * "Presented" = the key's verification total (any outcome) of some job went up since the previous
 * sample; "accepted" = its `accepted` total did. Compared per (job, key), as key usage does, so a
 * job whose series expire (decommissioned, renamed) lowers no total that would read as a restart,
 * and within a (job, key) per series (series-increase.ts), so an old version's series leaving is no
 * restart either. A series going down is a counter reset (counter-reset.ts): the new value is all
 * new traffic. A (job, key) first seen after the first sample counts in full; counts present at the very
 * first sample are a baseline (when they happened is unknown).
 */
import { z } from 'zod';
import { ATTR, INSTRUMENTS, KEY_ID_OTHER, KEY_ID_UNKNOWN } from '@hmac-slo/instrumentation/contract';
import type { AggregatedSeries } from '../model.js';
import { isInstrument } from '../slo/sli.js';
import { addReading, SeriesReadings, seriesIdentity } from '../aggregate/series-increase.js';

export interface KeyRevocation {
  /** First sample at which some job reported the key `revoked` (Unix ms). */
  revokedAtMs?: number;
  /** Last sample at which the key's verifications (any outcome) went up (Unix ms). */
  lastPresentedAtMs?: number;
  /** Last sample at which its accepted verifications went up (Unix ms). */
  lastAcceptedAtMs?: number;
  /** Last readings per job, per series: [all outcomes, accepted]. */
  readings: Map<string, SeriesReadings>;
}

const entrySchema = z.object({
  keyId: z.string(),
  revokedAtMs: z.number().finite().optional(),
  lastPresentedAtMs: z.number().finite().optional(),
  lastAcceptedAtMs: z.number().finite().optional(),
  /** Per job: [job, total, accepted]. Absent in snapshots that kept one total per key. */
  readings: z.array(z.tuple([z.string(), z.number().finite().nonnegative(), z.number().finite().nonnegative()])).optional(),
  /** Per job, per series: [job, [identity, total, accepted][]] (series-increase.ts); absent in older snapshots (the sums are compared once). */
  series: z.array(z.tuple([z.string(), z.array(z.tuple([z.string(), z.number().finite().nonnegative(), z.number().finite().nonnegative()]))])).optional(),
  /** The one total per key of older snapshots: read and ignored (the next sample is a baseline). */
  total: z.number().finite().nonnegative().optional(),
  accepted: z.number().finite().nonnegative().optional(),
});
export const revocationStateSchema = z.array(entrySchema);
export type RevocationState = z.infer<typeof revocationStateSchema>;

/** What `/api/keys` adds to a key: only the fields known (a key never revoked has no revocation fields). */
export interface RevocationView {
  revokedAt?: string;
  lastPresentedAt?: string;
  lastAcceptedAt?: string;
  /** Seconds from revocation to the last time the key was presented; 0 when never presented since. */
  presentedAfterRevokeSeconds?: number;
  /** Whether the key was accepted after the collector saw it revoked (a verifier missed the revocation). */
  acceptedAfterRevoke?: boolean;
}

export class RevocationTracker {
  private readonly keys = new Map<string, KeyRevocation>();
  private sampled = false;
  /** (job, key) readings held, at most maxKeys (as key usage caps its pairs). */
  private readingCount = 0;

  constructor(private readonly maxKeys: number) {}

  sample(series: Iterable<AggregatedSeries>, nowMs: number): void {
    const totals = new Map<string, Map<string, Map<string, number[]>>>(); // keyId → job → series → [total, accepted]
    const revoked = new Set<string>();
    const declared = new Set<string>(); // some job reports a current status (value 1) for the key
    for (const s of series) {
      const keyId = s.attributes[ATTR.keyId];
      if (!keyId || keyId === KEY_ID_UNKNOWN || keyId === KEY_ID_OTHER) continue;
      if (s.kind === 'gauge' && isInstrument(s, INSTRUMENTS.keyInfo)) {
        if (s.value > 0) declared.add(keyId);
        if (s.attributes[ATTR.keyStatus] === 'revoked' && s.value > 0) revoked.add(keyId);
        continue;
      }
      if (s.kind !== 'counter' || !isInstrument(s, INSTRUMENTS.verifications)) continue;
      const value = Number.isFinite(s.value) && s.value > 0 ? s.value : 0;
      let byJob = totals.get(keyId);
      if (byJob === undefined) totals.set(keyId, (byJob = new Map()));
      let t = byJob.get(s.job);
      if (t === undefined) byJob.set(s.job, (t = new Map()));
      addReading(t, seriesIdentity(s), [value, s.attributes[ATTR.outcome] === 'accepted' ? value : 0]);
    }
    for (const keyId of new Set([...totals.keys(), ...revoked])) {
      let k = this.keys.get(keyId);
      if (k === undefined) {
        if (this.keys.size >= this.maxKeys) continue;
        this.keys.set(keyId, (k = { readings: new Map() }));
      }
      if (revoked.has(keyId) && k.revokedAtMs === undefined) k.revokedAtMs = nowMs;
      let presented = false;
      let accepted = false;
      for (const [job, now] of totals.get(keyId) ?? []) {
        let prev = k.readings.get(job);
        if (prev === undefined) {
          if (this.readingCount >= this.maxKeys) continue;
          this.readingCount++;
          // A (job, key) first seen after the first sample: all of its counts are new traffic.
          k.readings.set(job, (prev = this.sampled ? new SeriesReadings() : SeriesReadings.of(now)));
        }
        const [dTotal, dAccepted] = prev.increase(now, 2);
        if (dTotal! > 0) presented = true;
        if (dAccepted! > 0) accepted = true;
        prev.update(now);
      }
      // A job absent from this sample (its series expired) keeps its reading: it resumes from it.
      if (presented) k.lastPresentedAtMs = nowMs;
      if (accepted) k.lastAcceptedAtMs = nowMs;
    }
    // A revocation undone (some job declares the key, none says revoked any more): not revoked.
    for (const keyId of declared) if (!revoked.has(keyId)) delete this.keys.get(keyId)?.revokedAtMs;
    this.sampled = true;
  }

  view(keyId: string): RevocationView {
    const k = this.keys.get(keyId);
    if (k === undefined) return {};
    const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
    const out: RevocationView = {};
    if (k.lastAcceptedAtMs !== undefined) out.lastAcceptedAt = iso(k.lastAcceptedAtMs);
    if (k.revokedAtMs !== undefined) {
      out.revokedAt = iso(k.revokedAtMs);
      const after = k.lastPresentedAtMs !== undefined && k.lastPresentedAtMs > k.revokedAtMs ? k.lastPresentedAtMs : undefined;
      if (after !== undefined) out.lastPresentedAt = iso(after);
      out.presentedAfterRevokeSeconds = after === undefined ? 0 : (after - k.revokedAtMs) / 1000;
      out.acceptedAfterRevoke = k.lastAcceptedAtMs !== undefined && k.lastAcceptedAtMs > k.revokedAtMs;
    }
    return out;
  }

  /** For /metrics (self-metrics.ts): every tracked key's times, revocation fields for revoked keys only. */
  table(): { keyId: string; revokedAtMs?: number; presentedAfterRevokeSeconds?: number; lastAcceptedAtMs?: number }[] {
    return [...this.keys].map(([keyId, k]) => {
      const v = this.view(keyId);
      return { keyId, revokedAtMs: k.revokedAtMs, presentedAfterRevokeSeconds: v.presentedAfterRevokeSeconds, lastAcceptedAtMs: k.lastAcceptedAtMs };
    });
  }

  toJSON(): RevocationState {
    return [...this.keys].map(([keyId, { readings, ...k }]) => {
      const series = [...readings].flatMap(([job, r]) => {
        const json = r.toJSON() as [string, number, number][] | undefined;
        return json ? [[job, json] as [string, [string, number, number][]]] : [];
      });
      return { keyId, ...k, readings: [...readings].map(([job, r]) => [job, ...r.sum(2)] as [string, number, number]), series };
    });
  }

  static fromJSON(maxKeys: number, state: RevocationState, sampled: boolean): RevocationTracker {
    const t = new RevocationTracker(maxKeys);
    for (const { keyId, readings, series, total: _total, accepted: _accepted, ...k } of state.slice(0, maxKeys)) {
      const held = new Map<string, SeriesReadings>();
      const perSeries = new Map(series ?? []);
      for (const [job, total, accepted] of readings ?? []) {
        if (t.readingCount >= maxKeys) break;
        t.readingCount++;
        const s = perSeries.get(job);
        held.set(job, s ? SeriesReadings.fromJSON(s) : SeriesReadings.fromSum([total, accepted]));
      }
      t.keys.set(keyId, { ...k, readings: held });
    }
    // An older snapshot had no per-job readings: the next sample is a baseline, not new traffic.
    t.sampled = sampled && state.every((e) => e.readings !== undefined);
    return t;
  }
}
