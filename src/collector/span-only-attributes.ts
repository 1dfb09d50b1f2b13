/**
 * The metric contract's span-only attributes (`hmac.client.id`, `hmac.error.class`: unbounded and
 * client-controlled, docs/metrics.md) are never metric attributes. A pusher that sets one on a metric
 * point anyway would get a raw client ID into /metrics and a series per client: the attribute is
 * removed from the point (the point is kept) and counted. Points without one are passed as they are
 * (decoded attribute sets may be shared and frozen: a stripped point gets a new set).
 *
 * The same pass bounds `hmac.failure.cause`, whose values are a closed set (FAILURE_CAUSES in the
 * contract): any other value becomes `other` (counted), so a pusher cannot mint label values.
 */
import { ATTR, isFailureCause } from '@hmac-slo/instrumentation/contract';
import { FAILURE_CAUSE_OTHER } from './failures/causes.js';
import type { Attributes, HistogramPoint, Metric, NumberPoint } from './otlp/types.js';

export const SPAN_ONLY_ATTRIBUTES: readonly string[] = [ATTR.clientId, ATTR.errorClass];

/** What the pass changed: span-only attributes removed (per attribute), causes outside the closed set. */
export interface AttributeCleanup {
  readonly stripped: Map<string, number>;
  unrecognizedCauses: number;
}

export function newCleanup(): AttributeCleanup {
  return { stripped: new Map(), unrecognizedCauses: 0 };
}

function strip(attrs: Attributes, cleanup: AttributeCleanup): Attributes {
  let out: Attributes | undefined;
  for (const key of SPAN_ONLY_ATTRIBUTES) {
    if (!Object.prototype.hasOwnProperty.call(attrs, key)) continue;
    out ??= { ...attrs };
    delete out[key];
    cleanup.stripped.set(key, (cleanup.stripped.get(key) ?? 0) + 1);
  }
  if (Object.prototype.hasOwnProperty.call(attrs, ATTR.failureCause) && !isFailureCause(attrs[ATTR.failureCause])) {
    out ??= { ...attrs };
    out[ATTR.failureCause] = FAILURE_CAUSE_OTHER;
    cleanup.unrecognizedCauses++;
  }
  return out ?? attrs;
}

/** The metrics with span-only attributes removed from their points and causes bounded; counts both into `cleanup`. */
export function withoutSpanOnlyAttributes(metrics: Metric[], cleanup: AttributeCleanup): Metric[] {
  return metrics.map((m) => {
    const d = m.data;
    if (d.type === 'unsupported') return m;
    const points = d.points as readonly (NumberPoint | HistogramPoint)[];
    let copy: (NumberPoint | HistogramPoint)[] | undefined;
    for (let i = 0; i < points.length; i++) {
      const p = points[i]!;
      const attributes = strip(p.attributes, cleanup);
      if (attributes === p.attributes) continue;
      copy ??= points.slice();
      copy[i] = { ...p, attributes };
    }
    return copy ? ({ ...m, data: { ...d, points: copy } } as Metric) : m;
  });
}
