// Every alerting rule, one file per concern. Thresholds come from `_config.alerting` (hmac-slo.yaml);
// each alert's runbook is the section of docs/runbooks.md named after it.
(import 'slo-burn.libsonnet') +
(import 'signatures.libsonnet') +
(import 'replay-clock.libsonnet') +
(import 'keys.libsonnet') +
(import 'kms-latency.libsonnet') +
(import 'telemetry.libsonnet') +
(import 'traffic-stopped.libsonnet') +
(import 'collector.libsonnet')
