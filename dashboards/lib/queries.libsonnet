// PromQL building blocks for the dashboards, for one `_config` (`c`). Metric and label names come
// from the contract in `_config.contract`; `config.selector` is appended to every raw selector.
//
// Conventions every query follows (checked by test/mixin/dashboards-lint.test.ts):
// - every selector carries `job=~"$job"`; metrics with an `hmac.key_id` attribute also carry
//   `hmac_key_id=~"$key_id"` (a key matcher on a metric without the label would match nothing);
// - every range is `[$__rate_interval]`, inside `rate()` (or `increase()`), and the result is
//   aggregated with `sum by (...)`, so collector replicas and direct scrapes add up;
// - ratios floor their denominator at 1e-9 and fill a missing numerator with 0, as the failure-mode
//   alerts do: no traffic reads as "no failures", never NaN (a success rate uses `perEvent`
//   instead: no traffic is no data, never 100 %);
// - SLO series (`job_slo:hmac_slo_*`, `slo:hmac_slo_objective:ratio`) are read as they are: the
//   recording rules are their only producer (the collector does not export them), so there is
//   nothing to de-duplicate.
local lib = import '../../rules/lib.libsonnet';

function(c) {
  local q = self,

  metric(key):: lib.metric(c, key),
  label(key):: lib.label(c, key),
  num(x):: lib.num(x),

  keyId:: q.label('keyId'),
  outcome:: q.label('outcome'),
  reason:: q.label('errorType'),

  // Instruments whose series carry `hmac.key_id` (docs/metrics.md; cross-checked against the
  // contract's INSTRUMENTS attributes by the lint test).
  keyed:: ['verifications', 'verificationDuration', 'failureCauses', 'signings', 'signingDuration', 'keystoreReads', 'keyInfo', 'keyAge', 'keyClients'],

  // `{job=~"$job",hmac_key_id=~"$key_id",<extra>,<config selector>}` for instrument `key`.
  sel(key, extra=[], anyKey=false)::
    local keyMatch = if std.member(q.keyed, key) && !anyKey then ['%s=~"$key_id"' % q.keyId] else [];
    lib.sel(c, ['job=~"$job"'] + keyMatch + extra),

  // `sum by (by) (rate(metric{...}[$__rate_interval]))`; by = '' sums everything.
  rate(key, extra=[], by='', suffix='', anyKey=false)::
    local agg = if by == '' then 'sum' else 'sum by (%s)' % by;
    '%s (rate(%s%s%s[$__rate_interval]))' % [agg, q.metric(key), suffix, q.sel(key, extra, anyKey)],

  // bad / total with the conventions above (both `sum by (by)`).
  ratio(bad, total):: '(%s or 0 * %s)\n/ clamp_min(%s, %s)' % [bad, total, total, lib.epsilon],
  // The same, but absent where `total` is 0 (the SLO rule `lib.perEvent`): for a success rate, whose
  // "no traffic" must read as no data, not 100 %.
  perEvent(bad, total):: lib.perEvent('(%s or 0 * %s)\n' % [bad, total], total),

  // Share of `key` events matching `extra`, by `by`.
  share(key, extra, by='', base=[])::
    q.ratio(q.rate(key, base + extra, by), q.rate(key, base, by)),

  // Quantile of a histogram instrument, by `by` (plus le).
  quantile(key, phi, by='', extra=[])::
    'histogram_quantile(%s, sum by (%s) (rate(%s_bucket%s[$__rate_interval])))' % [
      lib.num(phi), if by == '' then 'le' else by + ', le', q.metric(key), q.sel(key, extra),
    ],

  // Bucket rates for a heatmap (format heatmap: one series per `le`).
  buckets(key, extra=[]):: 'sum by (le) (rate(%s_bucket%s[$__rate_interval]))' % [q.metric(key), q.sel(key, extra)],

  // Series that are computed (SLO gauges, the collector's own metrics, ALERTS) carry `job` and
  // their own labels only, never the labels `config.selector` filters raw series on.
  plainSel(matchers):: if std.length(matchers) == 0 then '' else '{%s}' % std.join(',', matchers),

  // A recorded SLO series of the contract (`job_slo:hmac_slo_*`), one series per job, slo (and window).
  slo(series, matchers=[])::
    '%s%s' % [c.contract.sloSeries[series], q.plainSel(['job=~"$job"'] + matchers)],

  // `slo:hmac_slo_objective:ratio` carries only `slo` (it is a property of the SLO, not of a job):
  // the one SLO series read without a job matcher (listed in the lint test's exceptions).
  objective(matchers=[]):: '%s%s' % [c.contract.sloSeries.objective, q.plainSel(matchers)],

  // The failure reasons of the contract for one outcome.
  reasons(outcome):: [r for r in std.objectFields(c.contract.failureReasons) if c.contract.failureReasons[r] == outcome],
  notAccepted:: '%s!="accepted"' % q.outcome,

  // hmac_auth_clients per job (and state), each series from its largest replica as the alerts take it
  // (lib.gauge): the blast radius (docs/metrics.md "Clients").
  clients(by='job, ' + q.label('clientState'), extra=[]):: lib.gauge(c, 'authClients', by, q.sel('authClients', extra)),
  // Any contract gauge per `by`, its replicas combined as the contract says (lib.gauge).
  gauge(key, by, extra=[]):: lib.gauge(c, key, by, q.sel(key, extra)),
  reasonIn(list):: lib.match(q.reason, list),
}
