/**
 * Turns one configured SLI into a function that reads (bad, total) event counts out of the
 * aggregated series. Ratio SLIs count a counter's events by outcome (and optionally by failure
 * reason); latency SLIs read a histogram's buckets: good = observations in buckets whose upper
 * bound is at or below the threshold, exactly what `..._bucket{le="<threshold>"}` holds.
 */
import { ATTR, INSTRUMENTS, type InstrumentSpec } from '@hmac-slo/instrumentation/contract';
import type { SloConfig } from '../../config/schema.js';
import type { AggregatedSeries } from '../model.js';

export interface EventCounts {
  bad: number;
  total: number;
}

export interface CompiledSli {
  /** True when the series is one of the instrument's series (any outcome). */
  matches(series: AggregatedSeries): boolean;
  /** Adds this series' cumulative events to `into` (call only for matching series). */
  accumulate(series: AggregatedSeries, into: EventCounts): void;
}

/**
 * Whether a series is the given instrument. Pushers may send the OTel name (`hmac.auth.verifications`)
 * or, when the application registered the Prometheus-exporter views, a renamed one
 * (`hmac.auth.verification.duration_seconds`); the normalised Prometheus name is the same for both.
 */
export function isInstrument(series: AggregatedSeries, spec: InstrumentSpec): boolean {
  return series.promName === spec.prometheus || series.name === spec.name;
}

function nonNegative(n: number): number {
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/** Relative slack when comparing bucket bounds with the threshold (both come from decimal literals). */
const BOUND_EPSILON = 1e-9;

/**
 * Whether an event of a ratio SLI's instrument with this outcome and failure reason is a bad one
 * (`badOutcomes`, and `badReasons` when given): for its series here and its failed spans in the
 * detail view (detail-failures.ts).
 */
export function isBadEvent(sli: Extract<SloConfig['sli'], { kind: 'ratio' }>): (outcome: string | undefined, reason: string | undefined) => boolean {
  const badOutcomes = new Set<string>(sli.badOutcomes);
  const badReasons = sli.badReasons ? new Set<string>(sli.badReasons) : undefined;
  return (outcome, reason) => outcome !== undefined && badOutcomes.has(outcome) && (badReasons === undefined || badReasons.has(reason ?? ''));
}

export function compileSli(sli: SloConfig['sli']): CompiledSli {
  if (sli.kind === 'ratio') {
    const spec = INSTRUMENTS[sli.source];
    const isBad = isBadEvent(sli);
    return {
      matches: (s) => s.kind === 'counter' && isInstrument(s, spec),
      accumulate(s, into) {
        const v = nonNegative(s.value);
        into.total += v;
        if (isBad(s.attributes[ATTR.outcome], s.attributes[ATTR.errorType])) into.bad += v;
      },
    };
  }
  const spec = INSTRUMENTS[sli.source];
  const threshold = sli.thresholdSeconds * (1 + BOUND_EPSILON);
  return {
    matches: (s) => s.kind === 'histogram' && isInstrument(s, spec),
    accumulate(s, into) {
      const h = s.histogram;
      if (!h) {
        // No buckets: every event is counted but none can be shown to be fast enough.
        const v = nonNegative(s.value);
        into.total += v;
        into.bad += v;
        return;
      }
      const total = nonNegative(h.count);
      let good = 0;
      for (let i = 0; i < h.bounds.length && i < h.counts.length; i++) {
        if ((h.bounds[i] as number) <= threshold) good += nonNegative(h.counts[i] as number);
      }
      into.total += total;
      into.bad += Math.max(0, total - Math.min(good, total));
    },
  };
}
