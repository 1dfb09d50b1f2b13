/**
 * Settings only the jsonnet mixin reads (not part of hmac-slo.yaml): rendered with their
 * descriptions into `config.libsonnet` (the recording rules' at the top of `_config`, the
 * dashboards' as `_config.dashboards`), where jsonnet users override them. Values are jsonnet
 * source, so one default can follow another setting (`$._config` is the final config).
 */
export interface MixinSetting {
  readonly jsonnet: string;
  readonly description: string;
}

/** Read by rules/rules.libsonnet. */
export const RULES_SETTINGS: Record<string, MixinSetting> = {
  recordingRawMaxWindow: {
    jsonnet: "'6h'",
    description: 'Recording rules: windows up to this are computed from the raw counters; longer ones from the recorded 5m increases.',
  },
};

/** Read by the dashboards (`_config.dashboards`). */
export const DASHBOARD_SETTINGS: Record<string, MixinSetting> = {
  uidPrefix: { jsonnet: "'hmac-slo'", description: 'Prefix of the dashboards\' uids (`<prefix>-executive`, `-oncall`, `-debug`).' },
  titlePrefix: { jsonnet: "'HMAC auth / '", description: 'Prefix of the dashboards\' titles.' },
  tags: { jsonnet: "['hmac-slo', 'hmac-auth']", description: 'Grafana tags of every dashboard (the dashboard links use them too).' },
  timeFrom: { jsonnet: "'now-6h'", description: 'Default time range of the dashboards.' },
  refresh: { jsonnet: "'1m'", description: 'Default auto-refresh interval.' },
  collectorUrl: {
    jsonnet: "'http://' + $._config.collector.listen",
    description: 'Where browsers reach the collector\'s status page (the full failure ring); also editable on the dashboards (variable `collector_url`).',
  },
  budgetWarnRemaining: { jsonnet: '0.25', description: 'Error budget remaining below this share is shown amber (red below 0).' },
  latencyQuantiles: { jsonnet: '[0.5, 0.95, 0.99]', description: 'Verification latency quantiles on the on-call dashboard (median, p95 and p99).' },
};
