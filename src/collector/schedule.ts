/**
 * The collector's own clock: how often it samples the aggregates (SLO engine, key usage) and
 * compacts its state. The live tick (run.ts) and the replay of the push log (core.ts) read the
 * sampling period from here, so a replay samples exactly where the live process did.
 */
import type { HmacSloConfig } from '../config/schema.js';
import { scaledMs } from './slo/windows.js';

type ScheduleConfig = Pick<HmacSloConfig, 'timeScale'> & { collector: Pick<HmacSloConfig['collector'], 'samplePeriod' | 'snapshotPeriod'> };

/** Sampling period of the SLO engine and key usage: `collector.samplePeriod` divided by timeScale, at least 200 ms. */
export function samplePeriodMs(config: ScheduleConfig): number {
  return Math.max(200, scaledMs(config.collector.samplePeriod, config.timeScale));
}

/**
 * Snapshot period: `collector.snapshotPeriod` divided by timeScale, at least 2 s (and whenever the
 * log passes `collector.snapshotLogBytes`).
 */
export function snapshotPeriodMs(config: ScheduleConfig): number {
  return Math.max(2_000, scaledMs(config.collector.snapshotPeriod, config.timeScale));
}
