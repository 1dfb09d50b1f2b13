/**
 * How closely Prometheus's SLO recording rules can agree with a count made elsewhere (the collector's
 * /api/slo, or the services' own totals), worked out from the raw samples Prometheus holds.
 *
 * A window's error ratio is bad/total events in the window. The rules compute it with `increase()` on
 * scraped samples; the other side from exact counts. They can differ only by events the rules cannot
 * place in the window, which docs/slo.md ("Accuracy") names:
 *  - a series' first scraped value: `increase()` starts at the first sample and extrapolates back by
 *    at most half a sample interval, so a series born inside the window may be off by at most its
 *    first value plus half the increase to its second sample;
 *  - the window's start edge: the two sides start the window at slightly different instants
 *    (rule evaluation vs. API request time, the collector's sample spacing, a collector outage), so
 *    the events of an edge interval around the start may be counted on one side only.
 *  - extrapolation: `increase()` stretches each series' sampled interval to the window's edges by up
 *    to 1.1 scrape intervals at each end, but a series that was near zero at its first sample is
 *    stretched less (Prometheus stops at the point where it would reach zero). The factor is the same
 *    for every series scraped at the same instants except for that, so across series it varies by at
 *    most ε = 2.2·interval / (window − 2.2·interval), and the ratio by at most that factor.
 * Let U_bad and U_total be the uncertain events (first two items) among the bad and all events,
 * summed over the series from the raw samples. With B and T the exact counts and r = B/T, the rules'
 * ratio lies between (B − U_bad)/(T + U_total) and (B + U_bad)/(T − U_total), scaled by at most 1 ± ε:
 *     |r − ratio_rules| ≤ (U_bad + r·U_total) / (T − U_total) + r·ε.
 */
import { INSTRUMENTS } from '@hmac-slo/instrumentation/contract';
import type { SloConfig } from '../../src/config/index.js';
import type { Prometheus } from '../support/prometheus.js';

type Series = { metric: Record<string, string>; values: [number, number][] };

/** Counter value at time t: the last sample at or before t, 0 before the first. */
function valueAt(s: Series, t: number): number {
  let v = 0;
  for (const [ts, x] of s.values) {
    if (ts > t) break;
    v = x;
  }
  return v;
}

/** Events of series `s` the rules may place differently from an exact count, for a window. */
export function uncertainEvents(s: Series, windowStart: number, edge: readonly [number, number]): number {
  const first = s.values[0];
  if (!first) return 0;
  let u = Math.max(0, valueAt(s, edge[1]) - valueAt(s, edge[0]));
  if (first[0] > windowStart - 1) u += first[1] + Math.max(0, (s.values[1] ?? first)[1] - first[1]) / 2;
  return u;
}

/** Selectors of the raw series behind one SLO of one job: all events, and bad events. */
export function sloSelectors(slo: SloConfig, job: string): { total: string; bad: string; latencyGood?: string } {
  const jobSel = `job=${JSON.stringify(job)}`;
  const name = INSTRUMENTS[slo.sli.source].prometheus;
  if (slo.sli.kind === 'ratio') {
    const outcomes = slo.sli.badOutcomes.join('|');
    const reasons = slo.sli.badReasons ? `,error_type=~"${slo.sli.badReasons.join('|')}"` : '';
    return { total: `${name}{${jobSel}}`, bad: `${name}{${jobSel},hmac_outcome=~"${outcomes}"${reasons}}` };
  }
  // Latency: bad = _count − _bucket{le=threshold}, per label set, at each scrape.
  return { total: `${name}_count{${jobSel}}`, bad: `${name}_count{${jobSel}}`, latencyGood: `${name}_bucket{${jobSel},le="${slo.sli.thresholdSeconds}"}` };
}

export interface Uncertainty {
  bad: number;
  total: number;
}

const labelKey = (m: Record<string, string>) =>
  JSON.stringify(Object.entries(m).filter(([k]) => k !== '__name__' && k !== 'le').sort(([a], [b]) => a.localeCompare(b)));

/**
 * U_bad and U_total for a window [windowStart, t] of one job's SLO, reading every raw sample from
 * `since` (the start of the run) to `t`.
 */
export async function uncertainty(prom: Prometheus, slo: SloConfig, job: string, t: number, since: number, windowStart: number, edge: readonly [number, number]): Promise<Uncertainty> {
  const range = `${Math.ceil(t - since + 5)}s`;
  const sel = sloSelectors(slo, job);
  const total = await prom.rawRange(`${sel.total}[${range}]`, t);
  let bad = sel.bad === sel.total ? total : await prom.rawRange(`${sel.bad}[${range}]`, t);
  if (sel.latencyGood) {
    // The bad-events series of a histogram: _count minus the threshold bucket, sample by sample (one
    // scrape writes both with the same timestamp).
    const good = new Map((await prom.rawRange(`${sel.latencyGood}[${range}]`, t)).map((s) => [labelKey(s.metric), new Map(s.values)]));
    bad = total.map((s) => {
      const g = good.get(labelKey(s.metric));
      return { metric: s.metric, values: s.values.map(([ts, v]) => [ts, v - (g?.get(ts) ?? 0)] as [number, number]) };
    });
  }
  const sum = (series: Series[]) => series.reduce((u, s) => u + uncertainEvents(s, windowStart, edge), 0);
  return { bad: sum(bad), total: sum(total) };
}

/** The bound of the module comment, for a window of `windowSec` scraped every `intervalSec`. */
export function ratioTolerance(exactRatio: number, exactTotal: number, u: Uncertainty, windowSec: number, intervalSec: number): number {
  const epsilon = (2.2 * intervalSec) / (windowSec - 2.2 * intervalSec);
  return (u.bad + exactRatio * u.total) / Math.max(exactTotal - u.total, 1) + exactRatio * epsilon + 1e-9;
}
