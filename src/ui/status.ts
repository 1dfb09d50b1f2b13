/**
 * The status page's colour rule, kept pure so it is unit-tested and runs unchanged in the browser.
 * It mirrors the generated multiwindow burn-rate alerts (SRE workbook ch. 5): an alert condition
 * holds when the burn rate over its long window AND over its short window both exceed its factor.
 * Red = a critical (paging) condition holds, amber = a warning (ticket) one, green otherwise.
 */
import type { SloApiResponse, SloStatus } from '../collector/model.js';

export type StatusColour = 'red' | 'amber' | 'green';
export type BurnAlert = SloApiResponse['burnAlerts'][number];

export interface AlertCondition {
  readonly alert: BurnAlert;
  /** Burn rates over the alert's windows; undefined when that window had no events (no data) or the API did not report it. */
  readonly longBurn: number | undefined;
  readonly shortBurn: number | undefined;
  readonly holds: boolean;
}

/** Burn rate of `slo` over the window named `window` (unscaled name such as `1h`). */
export function burnRateOver(slo: Pick<SloStatus, 'windows'>, window: string): number | undefined {
  const found = slo.windows.find((w) => w.window === window);
  // null: no events in the window, so no burn rate (docs/slo.md); like the alert rule, it cannot fire.
  return found && typeof found.burnRate === 'number' && Number.isFinite(found.burnRate) ? found.burnRate : undefined;
}

/** Evaluates every configured burn-rate alert against one SLO's current windows. */
export function alertConditions(slo: Pick<SloStatus, 'windows'>, burnAlerts: readonly BurnAlert[]): AlertCondition[] {
  return burnAlerts.map((alert) => {
    const longBurn = burnRateOver(slo, alert.long);
    const shortBurn = burnRateOver(slo, alert.short);
    // A missing window can never make an alert fire: the alert rule would have no sample either.
    const holds = longBurn !== undefined && shortBurn !== undefined && longBurn > alert.factor && shortBurn > alert.factor;
    return { alert, longBurn, shortBurn, holds };
  });
}

export function statusColour(slo: Pick<SloStatus, 'windows'>, burnAlerts: readonly BurnAlert[]): StatusColour {
  const holding = alertConditions(slo, burnAlerts).filter((c) => c.holds);
  if (holding.some((c) => c.alert.severity === 'critical')) return 'red';
  if (holding.some((c) => c.alert.severity === 'warning')) return 'amber';
  return 'green';
}

/** What an on-call person calls each severity: critical pages, warning opens a ticket. */
export function severityLabel(severity: string): string {
  if (severity === 'critical') return 'page';
  if (severity === 'warning') return 'ticket';
  return severity;
}

/**
 * The page and ticket thresholds that apply to a burn rate measured over `window`: the lowest factor
 * among the alerts of that severity that use the window (as long or short window). Undefined when no
 * alert of that severity reads the window, so the page never shows a threshold nothing enforces.
 */
export function thresholdsFor(window: string, burnAlerts: readonly BurnAlert[]): { page?: number; ticket?: number } {
  const lowest = (severity: string): number | undefined => {
    const factors = burnAlerts
      .filter((a) => a.severity === severity && (a.long === window || a.short === window))
      .map((a) => a.factor);
    return factors.length > 0 ? Math.min(...factors) : undefined;
  };
  const out: { page?: number; ticket?: number } = {};
  const page = lowest('critical');
  const ticket = lowest('warning');
  if (page !== undefined) out.page = page;
  if (ticket !== undefined) out.ticket = ticket;
  return out;
}
