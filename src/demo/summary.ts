/**
 * What the demo says when it ends (Ctrl-C, --duration or the end of the timeline): requests,
 * failures by reason, and the alerts that would have fired.
 *
 * Burn-rate alerts are evaluated on what the collector computed: every status read of /api/slo goes
 * through the status page's own rule (src/ui/status.ts, long AND short window over the factor; the
 * shipped burn-rate alerts have no `for`). Failure-mode alerts need Prometheus; for them the summary
 * names the alerts each scenario that ran long enough is built to fire (docs/demo.md, the timeline).
 */
import type { SloApiResponse } from '../collector/model.js';
import { alertConditions, severityLabel } from '../ui/status.js';
import type { ScenarioName } from './scenarios.js';
import type { DemoTotals } from './totals.js';
import { formatCount } from './status.js';

/** Failure-mode alerts (without the prefix) each scenario fires with the shipped rules (docs/demo.md). */
export const SCENARIO_ALERTS: Record<Exclude<ScenarioName, 'steady'>, readonly string[]> = {
  canonicalization: ['SignatureMismatchSpike', 'ForgedAttemptsFlood'],
  'clock-drift': ['ClockSkewNearWindow'],
  replay: ['ReplayDetected'],
  'revoked-key': ['RevokedKeyPresented'],
  'rotation-lag': ['KeyRotationInProgress', 'RevokedKeyPresented'],
  'kms-outage': ['KmsLatencyHigh', 'KmsErrorRatioHigh', 'VerificationLatencyHigh'],
  'proxy-body': ['DigestMismatch'],
  canary: ['CanaryFailuresElevated', 'SignatureMismatchSpike'],
};

/** Demo minutes a failure scenario must run for its alerts to fire: the 5m rate window plus `for: 5m`. */
export const MINUTES_TO_FIRE = 10;

export interface HeldBurnAlert {
  readonly job: string;
  readonly slo: string;
  readonly severity: string;
  readonly long: string;
  readonly short: string;
  readonly factor: number;
  /** When it was first seen holding (ms since the epoch). */
  readonly since: number;
}

/** Records every burn-rate alert condition seen holding in the collector's /api/slo answers. */
export class AlertLog {
  private readonly held = new Map<string, HeldBurnAlert>();
  /** Demo minutes each failure scenario has run. */
  private readonly minutes = new Map<ScenarioName, number>();

  observe(answers: readonly SloApiResponse[], nowMs: number): void {
    for (const answer of answers) {
      for (const slo of answer.slos) {
        for (const c of alertConditions(slo, answer.burnAlerts)) {
          if (!c.holds) continue;
          const key = [slo.job, slo.slo, c.alert.severity, c.alert.long, c.alert.short].join('\u0000');
          if (!this.held.has(key)) this.held.set(key, { job: slo.job, slo: slo.slo, ...c.alert, since: nowMs });
        }
      }
    }
  }

  ran(scenario: ScenarioName, demoMinutes: number): void {
    this.minutes.set(scenario, (this.minutes.get(scenario) ?? 0) + demoMinutes);
  }

  burnAlerts(): HeldBurnAlert[] {
    return [...this.held.values()].sort((a, b) => a.since - b.since);
  }

  /** Failure-mode alert names (prefixed) of the scenarios that ran long enough, in timeline order. */
  expectedAlerts(prefix: string): string[] {
    const names = new Set<string>();
    for (const [scenario, minutes] of this.minutes) {
      if (scenario === 'steady' || minutes < MINUTES_TO_FIRE) continue;
      for (const a of SCENARIO_ALERTS[scenario]) names.add(prefix + a);
    }
    return [...names];
  }
}

/** Rejected or failed verifications by `error.type`, over every job (from the services' own totals). */
export function failuresByReason(totals: Pick<DemoTotals, 'verifications'>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const counts of Object.values(totals.verifications)) {
    for (const [key, n] of Object.entries(counts)) {
      const [outcome, reason] = key.split('/') as [string, string];
      if (outcome === 'accepted' || n <= 0) continue;
      out[reason] = (out[reason] ?? 0) + n;
    }
  }
  return Object.fromEntries(Object.entries(out).sort(([ra, a], [rb, b]) => b - a || (ra < rb ? -1 : 1)));
}

export interface SummaryInput {
  readonly sent: number;
  readonly verifications: number;
  readonly signingFailures: number;
  readonly failures: Record<string, number>;
  readonly burnAlerts: readonly HeldBurnAlert[];
  readonly expectedAlerts: readonly string[];
  readonly alertPrefix: string;
}

/** The pretty summary: a few short lines. */
export function summaryLines(s: SummaryInput): string[] {
  const failed = Object.values(s.failures).reduce((a, b) => a + b, 0);
  const reasons = Object.entries(s.failures).map(([r, n]) => `${r} ${formatCount(n)}`);
  const byAlert = new Map<string, string[]>();
  for (const a of s.burnAlerts) {
    const name = `${s.alertPrefix}ErrorBudgetBurn ${severityLabel(a.severity)} ${a.long}/${a.short} > ${Number(a.factor.toFixed(2))}×`;
    const list = byAlert.get(name) ?? [];
    list.push(`${a.job} ${a.slo}`);
    byAlert.set(name, list);
  }
  return [
    'summary',
    `  requests      ${formatCount(s.sent)} sent, ${formatCount(s.verifications)} verified, ${formatCount(failed)} rejected or failed` +
      (s.signingFailures > 0 ? `; ${formatCount(s.signingFailures)} not sent (signing failed)` : ''),
    `  failures      ${reasons.length > 0 ? reasons.join(' · ') : 'none'}`,
    `  would have fired (burn-rate alerts, as evaluated on /api/slo):${byAlert.size === 0 ? ' none' : ''}`,
    ...[...byAlert].map(([name, pairs]) => `    ${name}: ${pairs.join(', ')}`),
    `  would have fired (failure-mode alerts of the scenarios that ran ${MINUTES_TO_FIRE}+ demo minutes): ${s.expectedAlerts.length > 0 ? s.expectedAlerts.join(', ') : 'none'}`,
  ];
}
