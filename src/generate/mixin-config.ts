/**
 * The `_config` the jsonnet mixin reads: the resolved hmac-slo.yaml (same field names) plus the
 * metric contract under `contract`, so jsonnet never retypes a metric or label name.
 */
import {
  ATTR,
  FAILURE_REASONS,
  INSTRUMENTS,
  KEY_ID_OTHER,
  KEY_ID_UNKNOWN,
  SLO_SERIES,
  promLabel,
} from '@hmac-slo/instrumentation/contract';
import type { HmacSloConfig } from '../config/schema.js';
import { burnAlertsWithFactor, sloWindowNames } from '../config/slo-plan.js';

export function mixinConfig(config: HmacSloConfig): Record<string, unknown> {
  const labels = Object.fromEntries(Object.entries(ATTR).map(([k, v]) => [k, promLabel(v)]));
  const metrics = Object.fromEntries(
    Object.entries(INSTRUMENTS).map(([k, i]) => [k, {
      name: i.prometheus,
      kind: i.kind,
      buckets: i.buckets ?? null,
      // A gauge's labels and how its sources combine: lib.gauge's one spelling of "across replicas".
      ...('acrossSources' in i ? { labels: i.attributes.map(promLabel), acrossSources: i.acrossSources } : {}),
    }]),
  );
  return {
    ...config,
    // Each burn-rate alert with its factor, computed once here (src/config/slo-plan.ts).
    alerting: { ...config.alerting, burnRate: burnAlertsWithFactor(config) },
    contract: {
      metrics,
      labels,
      failureReasons: Object.fromEntries(Object.entries(FAILURE_REASONS).map(([k, v]) => [k, v.outcome])),
      keyIdUnknown: KEY_ID_UNKNOWN,
      keyIdOther: KEY_ID_OTHER,
      sloSeries: SLO_SERIES,
      // Every window the SLO series are recorded for, resolved once (src/config/slo-plan.ts).
      sloWindows: sloWindowNames(config),
    },
  };
}
