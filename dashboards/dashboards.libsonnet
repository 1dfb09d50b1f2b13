// The three Grafana dashboards (executive, on-call, debug), linked to each other. Rendered by
// `npm run generate` into dashboards/generated/<name> (the keys below are the file names).
// Dashboard-only settings live in `_config.dashboards`; every threshold and objective on a panel
// comes from the rest of `_config` (hmac-slo.yaml), the same values the alerts and collector use.
{
  _config+:: {
    dashboards: {
      uidPrefix: 'hmac-slo',
      titlePrefix: 'HMAC auth / ',
      tags: ['hmac-slo', 'hmac-auth'],
      timeFrom: 'now-6h',
      refresh: '1m',
      // Where browsers reach the collector's status page (the full failure ring); the collector's
      // own listen address by default. Also editable on the dashboards (variable `collector_url`).
      collectorUrl: 'http://' + $._config.collector.listen,
      // Error budget remaining below this share is shown amber (red below 0).
      budgetWarnRemaining: 0.25,
      // Verification latency quantiles on the on-call dashboard (median, p95 and p99).
      latencyQuantiles: [0.5, 0.95, 0.99],
    },
  },
}
+ (import 'executive.libsonnet')
+ (import 'oncall.libsonnet')
+ (import 'debug.libsonnet')
