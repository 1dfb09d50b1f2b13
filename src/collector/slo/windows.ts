/**
 * The windows every SLO is evaluated over: the contract's fixed windows, the configured period and
 * the burn-rate alerts' windows.
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

/**
 * The contract's windows, the period and every window a burn-rate alert uses, once each by name,
 * shortest first: the same list the generated recording rules record (rules/lib.libsonnet `windows`),
 * so both sources export the same `window` label values.
 */
export function sloWindows(config: Pick<HmacSloConfig, 'period' | 'timeScale' | 'alerting'>): SloWindow[] {
  const names: string[] = [...SLO_WINDOWS, config.period];
  for (const a of config.alerting.burnRate) names.push(a.long, a.short);
  return [...new Set(names)]
    .map((name) => ({ name, ms: scaledMs(name, config.timeScale) }))
    .sort((a, b) => a.ms - b.ms);
}
