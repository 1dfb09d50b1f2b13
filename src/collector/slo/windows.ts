/**
 * The windows every SLO is evaluated over: the contract's fixed windows plus the configured period.
 * Names stay unscaled (`5m`, `30d`) because they are label values shared with the Prometheus rules;
 * durations are divided by `timeScale` so a demo can live through a day in minutes.
 */
import { SLO_WINDOWS } from '@hmac-slo/instrumentation/contract';
import { durationSeconds } from '../../config/duration.js';
import type { HmacSloConfig } from '../../config/schema.js';

export interface SloWindow {
  /** Unscaled Prometheus duration, used as the `window` label value. */
  readonly name: string;
  /** Scaled length in milliseconds. */
  readonly ms: number;
}

/** Scaled milliseconds of a config duration. */
export function scaledMs(duration: string, timeScale: number): number {
  return (durationSeconds(duration) * 1000) / timeScale;
}

/** Contract windows plus the period (once, even if the period equals a contract window), shortest first. */
export function sloWindows(config: Pick<HmacSloConfig, 'period' | 'timeScale'>): SloWindow[] {
  const names: string[] = [...SLO_WINDOWS];
  if (!names.some((n) => durationSeconds(n) === durationSeconds(config.period))) names.push(config.period);
  return names
    .map((name) => ({ name, ms: scaledMs(name, config.timeScale) }))
    .sort((a, b) => a.ms - b.ms);
}
