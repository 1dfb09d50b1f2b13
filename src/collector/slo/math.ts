/**
 * SLO arithmetic (SRE workbook ch. 2 and 5), and the one statement of the no-traffic rule: a window
 * with no events has no error ratio, so no burn rate and (for the period) no budget — null here,
 * absent in the recording rules (rules/lib.libsonnet `perEvent`), "no data" on the page; never a
 * 100 % SLI, never NaN. Every number returned is finite.
 */

export function finite(n: number): number {
  return Number.isFinite(n) ? n : 0;
}

/** bad / total, clamped to [0, 1]; null when there were no events (no traffic is no data). */
export function errorRatio(bad: number, total: number): number | null {
  if (!(total > 0)) return null;
  if (!(bad > 0)) return 0;
  return Math.min(1, finite(bad / total));
}

/** How many times faster than "exactly spend the budget over the period" errors are arriving; null without an error ratio. */
export function burnRate(ratio: number | null, objective: number): number | null {
  return ratio === null ? null : finite(ratio / (1 - objective));
}

/** 1 − error ratio: the share of good events; null without events. */
export function sliValue(ratio: number | null): number | null {
  return ratio === null ? null : 1 - ratio;
}

/**
 * Share of the period's error budget still unspent: 1 − bad / ((1 − objective) × total).
 * Null with no events in the period; negative when overspent (kept, so "how far over" stays visible).
 */
export function errorBudgetRemaining(bad: number, total: number, objective: number): number | null {
  const burn = burnRate(errorRatio(bad, total), objective);
  return burn === null ? null : finite(1 - burn);
}
