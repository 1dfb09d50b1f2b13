// Entry point of `hmac-slo generate` / `npm run generate`: the mixin with `_config` taken from the
// external variable `config` (a resolved hmac-slo.yaml rendered as `config.libsonnet` is, with the
// metric contract, by src/generate/render.ts), rendered as one JSON object the generator splits into files.
local mixin = (import 'mixin.libsonnet') + std.extVar('config');
{
  dashboards: mixin.grafanaDashboards,
  rules: mixin.prometheusRules,
  alerts: mixin.prometheusAlerts,
}
