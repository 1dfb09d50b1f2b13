/**
 * The collector's own clock: how often it samples the aggregates (SLO engine, key usage) and
 * compacts its state. The live tick (run.ts) and the replay of the push log (core.ts) read the
 * sampling period from here, so a replay samples exactly where the live process did.
 */
import type { HmacSloConfig } from '../config/schema.js';

/** Sampling period of the SLO engine and key usage: 10 s, divided by timeScale, at least 200 ms. */
export function samplePeriodMs(config: Pick<HmacSloConfig, 'timeScale'>): number {
  return Math.max(200, 10_000 / config.timeScale);
}

/** Snapshot period: 60 s, divided by timeScale, at least 2 s (and whenever the log passes 64 MiB). */
export function snapshotPeriodMs(config: Pick<HmacSloConfig, 'timeScale'>): number {
  return Math.max(2_000, 60_000 / config.timeScale);
}
