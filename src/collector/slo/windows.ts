/**
 * The windows every SLO is evaluated over: the contract's fixed windows, the configured period and
 * the burn-rate alerts' windows.
 * Names stay unscaled (`5m`, `30d`) because they are label values shared with the Prometheus rules;
 * durations are divided by `timeScale` so a demo can live through a day in minutes.
 */
import { durationSeconds } from '../../config/duration.js';
import { sloWindowNames } from '../../config/slo-plan.js';
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

/**
 * The SLO plan's windows (src/config/slo-plan.ts), scaled: the same list config.json hands the
 * recording rules (`contract.sloWindows`), so /api/slo and the rules use the same `window` values.
 */
export function sloWindows(config: Pick<HmacSloConfig, 'period' | 'timeScale' | 'alerting'>): SloWindow[] {
  return sloWindowNames(config).map((name) => ({ name, ms: scaledMs(name, config.timeScale) }));
}
