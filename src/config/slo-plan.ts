/**
 * The one definition of what the SLO series are computed over: the windows (contract windows, the
 * period and every burn-rate alert window) and each burn-rate alert's factor. The collector's SLO
 * engine reads it directly; `hmac-slo generate` writes it into config.json (`contract.sloWindows`,
 * `alerting.burnRate[].factor`), which the recording rules, alerts and dashboards read. Neither side
 * re-derives a window list or a factor.
 */
import { SLO_WINDOWS } from '@hmac-slo/instrumentation/contract';
import { durationSeconds } from './duration.js';
import type { HmacSloConfig } from './schema.js';

type BurnRateAlert = HmacSloConfig['alerting']['burnRate'][number];

/** Window names (unscaled, the `window` label values), once each, shortest first. */
export function sloWindowNames(config: Pick<HmacSloConfig, 'period' | 'alerting'>): string[] {
  const names: string[] = [...SLO_WINDOWS, config.period];
  for (const a of config.alerting.burnRate) names.push(a.long, a.short);
  return [...new Set(names)].sort((a, b) => durationSeconds(a) - durationSeconds(b));
}

/** Burn factor of a multiwindow alert: budgetConsumed × period / long window (SRE workbook ch. 5). */
export function burnFactor(budgetConsumed: number, long: string, period: string): number {
  return (budgetConsumed * durationSeconds(period)) / durationSeconds(long);
}

/** The configured burn-rate alerts, each with its derived factor. */
export function burnAlertsWithFactor(config: Pick<HmacSloConfig, 'period' | 'alerting'>): (BurnRateAlert & { factor: number })[] {
  return config.alerting.burnRate.map((a) => ({ ...a, factor: burnFactor(a.budgetConsumed, a.long, config.period) }));
}
