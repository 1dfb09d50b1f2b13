/**
 * Time to revoke (the HMAC auth guide's scenario): for each key, when it was last accepted, and for
 * a revoked key when the collector first saw it revoked and when it was last presented (any outcome)
 * after that. Read from the aggregated series at every sample, so times have the sample period's
 * resolution (`collector.samplePeriod`). Part of key usage's snapshot, so a restart keeps them.
 *
 * "Presented" = the key's verification total (all jobs, all outcomes) went up since the previous
 * sample; "accepted" = its `accepted` total went up. Decreases are counter resets (counter-reset.ts):
 * the new value is all new traffic. A key first seen after the first sample counts in full; counts
 * present at the very first sample are a baseline (when they happened is unknown).
 */
import { z } from 'zod';
import { ATTR, INSTRUMENTS, KEY_ID_OTHER, KEY_ID_UNKNOWN } from '@hmac-slo/instrumentation/contract';
import type { AggregatedSeries } from '../model.js';
import { isInstrument } from '../slo/sli.js';
import { increaseSince } from '../aggregate/counter-reset.js';

export interface KeyRevocation {
  /** First sample at which some job reported the key `revoked` (Unix ms). */
  revokedAtMs?: number;
  /** Last sample at which the key's verifications (any outcome) went up (Unix ms). */
  lastPresentedAtMs?: number;
  /** Last sample at which its accepted verifications went up (Unix ms). */
  lastAcceptedAtMs?: number;
  /** Last totals read: all outcomes, accepted. */
  total: number;
  accepted: number;
}

const entrySchema = z.object({
  keyId: z.string(),
  revokedAtMs: z.number().finite().optional(),
  lastPresentedAtMs: z.number().finite().optional(),
  lastAcceptedAtMs: z.number().finite().optional(),
  total: z.number().finite().nonnegative(),
  accepted: z.number().finite().nonnegative(),
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

  constructor(private readonly maxKeys: number) {}

  sample(series: Iterable<AggregatedSeries>, nowMs: number): void {
    const totals = new Map<string, { total: number; accepted: number }>();
    const revoked = new Set<string>();
    for (const s of series) {
      const keyId = s.attributes[ATTR.keyId];
      if (!keyId || keyId === KEY_ID_UNKNOWN || keyId === KEY_ID_OTHER) continue;
      if (s.kind === 'gauge' && isInstrument(s, INSTRUMENTS.keyInfo)) {
        if (s.attributes[ATTR.keyStatus] === 'revoked' && s.value > 0) revoked.add(keyId);
        continue;
      }
      if (s.kind !== 'counter' || !isInstrument(s, INSTRUMENTS.verifications)) continue;
      const value = Number.isFinite(s.value) && s.value > 0 ? s.value : 0;
      let t = totals.get(keyId);
      if (t === undefined) totals.set(keyId, (t = { total: 0, accepted: 0 }));
      t.total += value;
      if (s.attributes[ATTR.outcome] === 'accepted') t.accepted += value;
    }
    for (const keyId of new Set([...totals.keys(), ...revoked])) {
      let k = this.keys.get(keyId);
      const now = totals.get(keyId) ?? { total: 0, accepted: 0 };
      if (k === undefined) {
        if (this.keys.size >= this.maxKeys) continue;
        // A key first seen after the first sample: all of its counts are new traffic.
        this.keys.set(keyId, (k = this.sampled ? { total: 0, accepted: 0 } : { ...now }));
      }
      if (revoked.has(keyId) && k.revokedAtMs === undefined) k.revokedAtMs = nowMs;
      if (increaseSince(k.total, now.total) > 0) k.lastPresentedAtMs = nowMs;
      if (increaseSince(k.accepted, now.accepted) > 0) k.lastAcceptedAtMs = nowMs;
      k.total = now.total;
      k.accepted = now.accepted;
    }
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
    return [...this.keys].map(([keyId, k]) => ({ keyId, ...k }));
  }

  static fromJSON(maxKeys: number, state: RevocationState, sampled: boolean): RevocationTracker {
    const t = new RevocationTracker(maxKeys);
    for (const { keyId, ...k } of state.slice(0, maxKeys)) t.keys.set(keyId, k);
    t.sampled = sampled;
    return t;
  }
}
