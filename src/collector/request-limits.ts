/**
 * Per-request caps on an OTLP metrics export (`collector.limits.maxPointsPerRequest`,
 * `maxResourcesPerRequest`): a request over either is refused whole (413), before it is logged or
 * applied, so one request cannot make the collector hold an unbounded number of new pushers or
 * readings at once.
 */
import { DecodeError } from './otlp/normalize.js';
import type { ResourceMetrics } from './otlp/types.js';

export interface RequestLimits {
  readonly maxPointsPerRequest: number;
  readonly maxResourcesPerRequest: number;
}

/** Throws a DecodeError (413, reason `too_many_resources` / `too_many_points`) for a request over a cap. */
export function checkRequestLimits(resources: readonly ResourceMetrics[], limits: RequestLimits): void {
  if (resources.length > limits.maxResourcesPerRequest) {
    throw new DecodeError(`${resources.length} resources in one request; at most ${limits.maxResourcesPerRequest} (collector.limits.maxResourcesPerRequest)`, 413, 'too_many_resources');
  }
  let points = 0;
  for (const r of resources) for (const m of r.metrics) points += m.data.type === 'unsupported' ? m.data.points : m.data.points.length;
  if (points > limits.maxPointsPerRequest) {
    throw new DecodeError(`${points} data points in one request; at most ${limits.maxPointsPerRequest} (collector.limits.maxPointsPerRequest)`, 413, 'too_many_points');
  }
}
