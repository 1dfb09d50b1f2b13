/**
 * The persisted form of the SLO engine (written by the collector next to its aggregated state) and
 * its validation: a damaged file must be refused with a clear error, never half-loaded.
 */
import { z } from 'zod';
import { parseSection } from '../state/section.js';

export class SloStateError extends Error {
  constructor(message: string) {
    super(`invalid SLO engine state: ${message}`);
    this.name = 'SloStateError';
  }
}

const count = z.number().finite().nonnegative();
const time = z.number().finite();

const pairSchema = z.object({
  job: z.string(),
  slo: z.string(),
  /** JSON of the SLI definition (with the scope, when set) the counts were taken under. */
  sli: z.string(),
  lastRaw: z.tuple([count, count]),
  /** Each series' last [identity, bad, total] (series-increase.ts); absent in state saved before: the sum is compared once. */
  series: z.array(z.tuple([z.string(), count, count])).optional(),
  cum: z.tuple([count, count]),
  lastT: time,
  /** When the pair's job last had events (absent in state saved before pairs expired). */
  activeT: time.optional(),
  /** [t, bad, total], oldest first. */
  points: z.array(z.tuple([time, count, count])),
  /** [t, errorRatio], oldest first; null: no events in the window (state saved before 0.2 has 0 there). */
  sparkline: z.array(z.tuple([time, z.number().finite().min(0).max(1).nullable()])),
});

const stateSchema = z.object({
  version: z.literal(1),
  lastSampleMs: time.nullable(),
  pairs: z.array(pairSchema),
  /** Untracked pairs' last readings [job, slo, bad, total]: baselines if they get a place later (absent in older state). */
  dormant: z.array(z.tuple([z.string(), z.string(), count, count])).optional(),
  /** The same readings per series: [job, slo, [identity, bad, total][]] (absent in older state). */
  dormantSeries: z.array(z.tuple([z.string(), z.string(), z.array(z.tuple([z.string(), count, count]))])).optional(),
});

export type SloEngineState = z.infer<typeof stateSchema>;

export function parseSloEngineState(json: unknown): SloEngineState {
  return parseSection(stateSchema, json, (message) => new SloStateError(message));
}
