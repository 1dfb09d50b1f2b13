// hmac-slo monitoring mixin: `grafanaDashboards`, `prometheusRules`, `prometheusAlerts`, `_config`.
// Override anything through `_config+::` (see docs/dashboards.md).
(import 'config.libsonnet') +
(import 'rules/rules.libsonnet') +
(import 'rules/key-clients.libsonnet') +
(import 'alerts/alerts.libsonnet') +
(import 'dashboards/dashboards.libsonnet')
