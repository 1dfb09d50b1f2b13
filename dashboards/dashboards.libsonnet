// The three Grafana dashboards (executive, on-call, debug), linked to each other. Rendered by
// `npm run generate` into dashboards/generated/<name> (the keys below are the file names).
// Dashboard-only settings live in `_config.dashboards` (config.libsonnet, generated from
// src/generate/mixin-settings.ts); every threshold and objective on a panel
// comes from the rest of `_config` (hmac-slo.yaml), the same values the alerts and collector use.
{}
+ (import 'executive.libsonnet')
+ (import 'oncall.libsonnet')
+ (import 'debug.libsonnet')
