/**
 * What a data point must be for the aggregator to take it, checked before it changes anything:
 * labels within the size limits, histogram buckets that make sense, totals that stay finite. Each
 * problem is a `[reason, message]` pair for partial_success and
 * `hmac_slo_collector_rejected_data_points_total{reason}`.
 */
import type { Attributes, HistogramPoint } from '../otlp/types.js';

export type Problem = [reason: string, message: string];

/** Set from `collector.limits` (the schema holds the defaults). */
export interface LabelLimits {
  /** Longest metric name, attribute key or value, or job, in UTF-8 bytes. */
  readonly maxLabelValueBytes: number;
  /** Most attributes on one data point. */
  readonly maxAttributesPerPoint: number;
}

/** Whether `s` is longer than `max` UTF-8 bytes, without encoding it in the common cases. */
function longerThan(s: string, max: number): boolean {
  if (s.length > max) return true;
  return s.length * 3 > max && Buffer.byteLength(s, 'utf8') > max;
}

/**
 * Refused rather than truncated (`label_too_long`, `too_many_labels`): truncated values could
 * merge distinct series. Messages name the key (shortened), never a value.
 */
export function labelProblem(limits: LabelLimits, job: string, name: string, promName: string, attrs: Attributes): Problem | undefined {
  const max = limits.maxLabelValueBytes;
  const maxAttrs = limits.maxAttributesPerPoint;
  const keys = Object.keys(attrs);
  if (keys.length > maxAttrs) return ['too_many_labels', `${name.slice(0, 200)}: ${keys.length} attributes on one point (at most ${maxAttrs})`];
  if (longerThan(promName, max)) return ['label_too_long', `metric name longer than ${max} bytes`];
  if (longerThan(job, max)) return ['label_too_long', `${name}: job (service.namespace/service.name) longer than ${max} bytes`];
  for (const k of keys) {
    if (longerThan(k, max) || longerThan(attrs[k]!, max)) {
      return ['label_too_long', `${name}: attribute ${JSON.stringify(k.slice(0, 40))} has a key or value longer than ${max} bytes`];
    }
  }
  return undefined;
}

/** Strictly increasing finite bounds, and bucket counts adding up to `count` (else the SLI is skewed). */
export function histogramProblem(name: string, p: HistogramPoint): Problem | undefined {
  const b = p.bounds;
  for (let i = 0; i < b.length; i++) {
    if (!Number.isFinite(b[i]!) || (i > 0 && !(b[i]! > b[i - 1]!))) {
      return ['histogram_bounds', `${name}: explicit bounds must be finite and strictly increasing (bound ${i} is ${b[i]})`];
    }
  }
  if (p.counts.length === 0) return undefined;
  let total = 0;
  for (const c of p.counts) total += c;
  // Exact for counts up to 2^53; beyond, a rounding error of the sum is tolerated.
  if (total !== p.count && Math.abs(total - p.count) > Number.EPSILON * p.counts.length * Math.max(total, p.count)) {
    return ['histogram_count', `${name}: count ${p.count} differs from the sum of the bucket counts (${total})`];
  }
  return undefined;
}

/**
 * A point that would make a total non-finite (two finite deltas of 1.5e308 add up to +Inf): JSON
 * cannot hold the result, so the snapshot would be unreadable and the exposition unparseable.
 */
export function nonFinite(name: string): Problem {
  return ['non_finite', `${name}: the point would make the aggregate non-finite (overflow); the series keeps its value`];
}

/**
 * A value a summed gauge (summed-gauges.ts) may take: a whole count within 2^53. Its sum is kept
 * by adding each pusher's change, which is exact only then: a fraction or a huge value from one
 * pusher would otherwise leave rounding in the sum after it goes (another pusher's share lost, or
 * a negative count) for as long as the series lives.
 */
export function isCount(v: number): boolean {
  return Number.isSafeInteger(v) && v >= 0;
}

export function notACount(name: string): Problem {
  return ['not_a_count', `${name}: a gauge summed across pushers takes whole counts from 0 to 2^53 (in total); refused as if not sent`];
}
