/**
 * The metric contract's span-only attributes (`hmac.client.id`, `hmac.error.class`: unbounded and
 * client-controlled, docs/metrics.md) are never metric attributes. A pusher that sets one on a metric
 * point anyway would get a raw client ID into /metrics and a series per client: the attribute is
 * removed from the point (the point is kept) and counted. Points without one are passed as they are
 * (decoded attribute sets may be shared and frozen: a stripped point gets a new set).
 */
import { ATTR } from '@hmac-slo/instrumentation/contract';
import type { Attributes, HistogramPoint, Metric, NumberPoint } from './otlp/types.js';

export const SPAN_ONLY_ATTRIBUTES: readonly string[] = [ATTR.clientId, ATTR.errorClass];

function strip(attrs: Attributes, stripped: Map<string, number>): Attributes {
  let out: Attributes | undefined;
  for (const key of SPAN_ONLY_ATTRIBUTES) {
    if (!Object.prototype.hasOwnProperty.call(attrs, key)) continue;
    out ??= { ...attrs };
    delete out[key];
    stripped.set(key, (stripped.get(key) ?? 0) + 1);
  }
  return out ?? attrs;
}

/** The metrics with span-only attributes removed from their points; counts removals per attribute into `stripped`. */
export function withoutSpanOnlyAttributes(metrics: Metric[], stripped: Map<string, number>): Metric[] {
  return metrics.map((m) => {
    const d = m.data;
    if (d.type === 'unsupported') return m;
    const points = d.points as readonly (NumberPoint | HistogramPoint)[];
    let copy: (NumberPoint | HistogramPoint)[] | undefined;
    for (let i = 0; i < points.length; i++) {
      const p = points[i]!;
      const attributes = strip(p.attributes, stripped);
      if (attributes === p.attributes) continue;
      copy ??= points.slice();
      copy[i] = { ...p, attributes };
    }
    return copy ? ({ ...m, data: { ...d, points: copy } } as Metric) : m;
  });
}
