/**
 * SLO arithmetic (SRE workbook ch. 2 and 5). Every function returns a finite number: no traffic is no
 * error, so 0/0 is a ratio of 0, a burn rate of 0 and an untouched budget of 1.
 */

export function finite(n: number): number {
  return Number.isFinite(n) ? n : 0;
}

/** bad / total, clamped to [0, 1]; 0 when there were no events. */
export function errorRatio(bad: number, total: number): number {
  if (!(total > 0) || !(bad > 0)) return 0;
  return Math.min(1, finite(bad / total));
}

/** How many times faster than "exactly spend the budget over the period" errors are arriving. */
export function burnRate(ratio: number, objective: number): number {
  return finite(ratio / (1 - objective));
}

/**
 * Share of the period's error budget still unspent: 1 − bad / ((1 − objective) × total).
 * 1 with no traffic; negative when overspent (kept, so "how far over" stays visible).
 */
export function errorBudgetRemaining(bad: number, total: number, objective: number): number {
  return finite(1 - burnRate(errorRatio(bad, total), objective));
}
