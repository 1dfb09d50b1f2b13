/**
 * The persisted form of the failure log (part of the collector's snapshot) and its validation.
 * It holds what the log holds and no more: sanitised failed spans (client fingerprints, never raw
 * client IDs) and, per job, the top rejected clients by fingerprint. A damaged section is refused
 * with a clear error, never half-loaded; the collector then starts the failure log empty.
 */
import { z } from 'zod';
import { parseSection } from '../state/section.js';

export class FailureStateError extends Error {
  constructor(message: string) {
    super(`invalid failure log state: ${message}`);
    this.name = 'FailureStateError';
  }
}

const count = z.number().finite().nonnegative();

const spanSchema = z.object({
  timeUnixMs: z.number(),
  job: z.string(),
  name: z.string(),
  scheme: z.string().optional(),
  keyId: z.string(),
  reason: z.string(),
  outcome: z.string(),
  clientFingerprint: z.string().optional(),
  traceId: z.string(),
  spanId: z.string(),
  // Added with failure causes: logs saved before have neither, and still load.
  cause: z.string().optional(),
  causeKeyId: z.string().optional(),
});

const stateSchema = z.object({
  version: z.literal(1),
  /** Held failures, oldest first. */
  recent: z.array(spanSchema),
  recorded: count,
  /**
   * Latest time of a failure the ring dropped (added later: absent in older snapshots). With
   * `droppedUntilByJob`, of the jobs it does not list and that hold no failure (jobs the ring
   * forgot); without (a snapshot of the single shared ring), of every job.
   */
  droppedUntil: z.number().finite().optional(),
  /** [job, latest time of a failure of it the ring dropped] of the held jobs that lost some (added with the fair ring). */
  droppedUntilByJob: z.array(z.tuple([z.string(), z.number().finite()])).optional(),
  untrackedJobs: count,
  topClients: z.array(
    z.object({
      job: z.string(),
      /** Rejections offered to the job's table so far (space-saving's N). */
      offered: count,
      /** [fingerprint, count, error]. */
      clients: z.array(z.tuple([z.string(), count, count])),
    }),
  ),
});

export type FailureLogState = z.infer<typeof stateSchema>;

export function parseFailureLogState(json: unknown): FailureLogState {
  return parseSection(stateSchema, json, (message) => new FailureStateError(message));
}
