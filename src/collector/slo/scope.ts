/**
 * An SLO's scope (`slos[].scope` in hmac-slo.yaml) as a test on aggregated series. The scope names
 * Prometheus labels, so a series is judged by the labels the collector exposes it with on /metrics
 * (`job` and its attributes through `labelPairs`, names.ts) — the same labels the recording rules'
 * matchers see (rules/lib.libsonnet `scopeMatchers`). A label the series lacks reads as "", as in PromQL.
 */
import type { SloScope } from '../../config/schema.js';
import type { AggregatedSeries } from '../model.js';
import { labelPairs } from '../aggregate/names.js';

/**
 * A series' exposed labels, worked out at most once per series and sample (shared by every scoped SLO).
 * Must stay the label set exposition.ts writes for the series: a label added there (resource labels,
 * say) has to be added here too, or a scope on it would match in the rules but not in the collector.
 */
export type SeriesLabels = () => ReadonlyMap<string, string>;

export function seriesLabels(series: AggregatedSeries): SeriesLabels {
  let labels: Map<string, string> | undefined;
  return () => (labels ??= new Map([...labelPairs(series.attributes), ['job', series.job]]));
}

/** Whether a series is inside the scope; undefined for an SLO without one (it covers everything). */
export type ScopeTest = (labels: SeriesLabels) => boolean;

/**
 * What a scope means, whatever order the YAML lists its labels and values in (and without repeats);
 * undefined for no scope or an empty one (`scope: {}` covers every series). The SLO's history
 * fingerprint is taken from this, so reordering a scope does not restart its history.
 */
export function canonicalScope(scope: SloScope | undefined): SloScope | undefined {
  const labels = Object.keys(scope ?? {}).sort();
  if (!scope || labels.length === 0) return undefined;
  const sorted = (values: readonly string[]) => [...new Set(values)].sort();
  return Object.fromEntries(labels.map((label) => {
    const m = scope[label]!;
    return [label, Array.isArray(m) ? sorted(m) : { notIn: sorted(m.notIn) }];
  }));
}

export function compileScope(scope: SloScope | undefined): ScopeTest | undefined {
  if (!scope || Object.keys(scope).length === 0) return undefined;
  const tests = Object.entries(scope).map(([label, m]) => {
    const keep = Array.isArray(m);
    const values = new Set(Array.isArray(m) ? m : m.notIn);
    return (labels: ReadonlyMap<string, string>) => values.has(labels.get(label) ?? '') === keep;
  });
  return (labels) => {
    const l = labels();
    return tests.every((t) => t(l));
  };
}
