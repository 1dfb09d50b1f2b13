/**
 * The live status: requests, success rate, error budget left, read from the collector's own
 * `/api/slo` (so what is shown is what the collector computed, not what the demo thinks it sent),
 * with several collectors (`--push-to a,b`) added up.
 */
import type { SloApiResponse } from '../collector/model.js';
import { errorRatio, sliValue } from '../collector/slo/math.js';

export interface StatusFigures {
  /** Verifications over the SLO period, every job. */
  requests: number;
  /** Accepted share over the (scaled) 5m window, every job; undefined without traffic (no data). */
  successRate5m: number | undefined;
  /** auth-success error budget left per job (lowest over collectors); jobs without events over the period have none. */
  budget: Record<string, number>;
  /** The collectors' answers as they came (the stop summary evaluates the burn-rate alerts on them). */
  answers: SloApiResponse[];
}

const SLO = 'auth-success';

export async function readStatus(collectorUrls: readonly string[]): Promise<StatusFigures | undefined> {
  const answers = await Promise.allSettled(
    collectorUrls.map(async (url) => {
      const res = await fetch(`${url}/api/slo`, { signal: AbortSignal.timeout(2_000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return (await res.json()) as SloApiResponse;
    }),
  );
  const ok = answers.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []));
  if (ok.length === 0) return undefined;
  let requests = 0;
  let events5m = 0;
  let bad5m = 0;
  const budget: Record<string, number> = {};
  for (const answer of ok) {
    for (const slo of answer.slos) {
      if (slo.slo !== SLO) continue;
      const period = slo.windows.find((w) => w.window === slo.period);
      const short = slo.windows.find((w) => w.window === '5m');
      requests += period?.events ?? 0;
      events5m += short?.events ?? 0;
      bad5m += short?.badEvents ?? 0;
      if (slo.errorBudgetRemaining !== null) budget[slo.job] = Math.min(budget[slo.job] ?? Infinity, slo.errorBudgetRemaining);
    }
  }
  return { requests, successRate5m: sliValue(errorRatio(bad5m, events5m)) ?? undefined, budget, answers: ok };
}

export function formatCount(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

export function formatPercent(x: number | undefined, digits = 1): string {
  return x === undefined ? 'no data' : `${(x * 100).toFixed(digits)}%`;
}

/** `3m05s` */
export function formatClock(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/**
 * One line, fit for an 80-column terminal: the phase, what comes next and when, requests, 5m
 * success, the lowest budget. `next` is the next phase's name (undefined: the timeline ends).
 */
export function statusText(phase: { name: string; index: number; count: number; leftMs: number; next?: string }, figures: StatusFigures | undefined): string {
  const head = `▶ ${phase.index + 1}/${phase.count} ${phase.name} │ next ${phase.next ?? 'end'} in ${formatClock(phase.leftMs)}`;
  if (figures === undefined) return `${head} │ collector not answering`;
  const lowest = Object.entries(figures.budget).sort(([ja, a], [jb, b]) => a - b || (ja < jb ? -1 : 1))[0];
  // Incidents in a compressed period overspend the budget many times over: say so instead of −20000%.
  const budget = lowest ? `budget ${lowest[1] < 0 ? 'overspent' : formatPercent(lowest[1], 0)} ${lowest[0]}` : 'budget no data';
  return `${head} │ ${formatCount(figures.requests)} req │ 5m ok ${formatPercent(figures.successRate5m, 1)} │ ${budget}`;
}
