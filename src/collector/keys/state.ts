/**
 * The persisted form of the key-usage tracker (part of the collector's snapshot) and its
 * validation. Entries are (job, key ID) pairs — identifiers, never key material. Counts are stored
 * in arrays aligned with one entry table, so a window of 60 snapshots does not repeat every name
 * 60 times. A damaged section is refused with a clear error, never half-loaded.
 */
import { z } from 'zod';
import { parseSection } from '../state/section.js';
import { revocationStateSchema } from './revocation.js';

export class KeyUsageStateError extends Error {
  constructor(message: string) {
    super(`invalid key usage state: ${message}`);
    this.name = 'KeyUsageStateError';
  }
}

/** A count per entry, `null` where the entry had none. */
const counts = z.array(z.number().finite().nonnegative().nullable());

const stateSchema = z.object({
  version: z.literal(1),
  sampled: z.boolean(),
  /** [job, key ID]. */
  entries: z.array(z.tuple([z.string(), z.string()])),
  lastRaw: counts,
  /** Per entry, each series' last [identity, value] (series-increase.ts); absent in older state (lastRaw is compared once). */
  lastSeries: z.array(z.array(z.tuple([z.string(), z.number().finite().nonnegative()])).nullable()).optional(),
  cum: counts,
  /** Oldest first. */
  snapshots: z.array(z.object({ t: z.number().finite(), counts })),
  /** Time to revoke per key (revocation.ts); absent in snapshots written before it existed. */
  revocations: revocationStateSchema.optional(),
});

export type KeyUsageState = z.infer<typeof stateSchema>;

export function parseKeyUsageState(json: unknown): KeyUsageState {
  const s = parseSection(stateSchema, json, (message) => new KeyUsageStateError(message));
  const n = s.entries.length;
  if (s.lastRaw.length !== n || s.cum.length !== n || (s.lastSeries !== undefined && s.lastSeries.length !== n) || s.snapshots.some((x) => x.counts.length !== n)) {
    throw new KeyUsageStateError('count arrays do not match the entry table');
  }
  return s;
}
