/**
 * `GET /api/slo/detail`: one (job, SLO) over a range, read from the engine's stored multi-resolution
 * history of cumulative counts (tiers.ts; it survives restarts with the snapshot). Per step: events
 * and bad events, the error ratio, the error budget remaining over the SLO period ending there (the
 * burn-down) and the burn rate over each burn-rate alert window ending there. The same arithmetic as
 * /api/slo (math.ts); a window's start is placed as precisely as the tier that reaches it allows.
 * A step's own events are interpolated within the tier it falls in (a 30 s step over 1-minute points
 * would otherwise alternate between 0 events and twice the rate).
 * Times before the oldest stored point are null: the status page says "no data" there.
 */
import { SLO_WINDOWS } from '@hmac-slo/instrumentation/contract';
import type { SloApiResponse, SloDetailPoint } from '../model.js';
import { burnRate, errorBudgetRemaining, errorRatio } from './math.js';
import type { CountPoint, TieredHistory } from './tiers.js';
import { scaledMs } from './windows.js';

/** Points per range: enough for a smooth line at page width, little enough to answer quickly. */
export const DETAIL_STEPS = 120;

/** The ranges on offer: 1h, 6h, 1d and the period (unscaled names, deduplicated). */
export function detailRanges(period: string): string[] {
  return [...new Set(['1h', '6h', '1d', period])];
}

export interface DetailInput {
  readonly history: TieredHistory;
  readonly objective: number;
  readonly period: string;
  readonly timeScale: number;
  readonly burnAlerts: SloApiResponse['burnAlerts'];
  readonly range: string;
  /** End of the range: the pair's latest sample. */
  readonly to: number;
}

export interface DetailSeries {
  readonly from: number;
  readonly stepMs: number;
  readonly historyFrom: number | null;
  readonly windows: string[];
  readonly points: SloDetailPoint[];
}

/** The burn-rate alerts' windows, shortest first (what the burn chart draws against the thresholds). */
export function burnWindows(burnAlerts: SloApiResponse['burnAlerts'], timeScale: number): string[] {
  const names = new Set<string>();
  for (const a of burnAlerts) names.add(a.long).add(a.short);
  if (names.size === 0) names.add(SLO_WINDOWS[0]);
  return [...names].sort((a, b) => scaledMs(a, timeScale) - scaledMs(b, timeScale));
}

export function detailSeries(input: DetailInput): DetailSeries {
  const { history, objective, timeScale, to } = input;
  const rangeMs = scaledMs(input.range, timeScale);
  const periodMs = scaledMs(input.period, timeScale);
  const stepMs = rangeMs / DETAIL_STEPS;
  const from = to - rangeMs;
  const oldest = history.atOrBefore(Number.NEGATIVE_INFINITY);
  const historyFrom = oldest?.t ?? null;
  const windows = burnWindows(input.burnAlerts, timeScale).map((name) => ({ name, ms: scaledMs(name, timeScale) }));

  /** Events between two times, or undefined when `end` is before the stored history. */
  const between = (start: number, end: number): { bad: number; total: number } | undefined => {
    if (oldest === undefined || end < oldest.t) return undefined;
    const b: CountPoint = history.atOrBefore(Math.max(start, oldest.t)) ?? oldest;
    const e: CountPoint = history.atOrBefore(end) ?? oldest;
    const total = Math.max(0, e.total - b.total);
    return { total, bad: Math.min(total, Math.max(0, e.bad - b.bad)) };
  };

  /** Events within one step: its ends interpolated within the history (a step may be finer than the tier it falls in). */
  const inStep = (start: number, end: number): { bad: number; total: number } | undefined => {
    if (oldest === undefined || end < oldest.t) return undefined;
    const b = history.interpolatedAt(Math.max(start, oldest.t)) ?? oldest;
    const e = history.interpolatedAt(end) ?? oldest;
    const total = Math.max(0, e.total - b.total);
    return { total, bad: Math.min(total, Math.max(0, e.bad - b.bad)) };
  };

  const points: SloDetailPoint[] = [];
  for (let i = 1; i <= DETAIL_STEPS; i++) {
    const t = from + i * stepMs;
    const step = inStep(t - stepMs, t);
    const period = between(t - periodMs, t);
    const burn: Record<string, number | null> = {};
    for (const w of windows) {
      const c = between(t - w.ms, t);
      burn[w.name] = c && c.total > 0 ? burnRate(errorRatio(c.bad, c.total), objective) : null;
    }
    points.push({
      t: Math.round(t),
      events: step?.total ?? null,
      badEvents: step?.bad ?? null,
      errorRatio: step && step.total > 0 ? errorRatio(step.bad, step.total) : null,
      budgetRemaining: period ? errorBudgetRemaining(period.bad, period.total, objective) : null,
      burn,
    });
  }
  return { from: Math.round(from), stepMs, historyFrom, windows: windows.map((w) => w.name), points };
}
