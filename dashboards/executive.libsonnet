// Executive dashboard: is HMAC auth healthy, and is it going to stay so? Auth success against its
// objective, error budget and burn rate per SLO, key rotation status per key ID,
// unauthorized / forged attempts, and a KMS health summary.
local p = import 'lib/panels.libsonnet';
local lib = import '../rules/lib.libsonnet';

{
  grafanaDashboards+:: {
    local c = $._config,
    local d = c.dashboards,
    local Q = (import 'lib/queries.libsonnet')(c),
    local C = (import 'lib/common.libsonnet')(c),
    local fm = c.alerting.failureModes,

    // The auth success rate SLO: the first ratio SLO over verifications that counts
    // client rejections as bad; without one, success = not rejected and not error, objective unknown.
    local successSlos = [
      s
      for s in c.slos
      if s.sli.kind == 'ratio' && s.sli.source == 'verifications' && std.member(s.sli.badOutcomes, 'rejected')
    ],
    local m1 = if std.length(successSlos) > 0 then successSlos[0] else null,
    local badOutcomes = if m1 == null then ['rejected', 'error'] else m1.sli.badOutcomes,

    // The burn-rate panel shows the first alert's long window, with that alert's factor as the red
    // line: above it, the page fires once the short window agrees.
    local burnAlert = c.alerting.burnRate[0],
    local burnFactor = burnAlert.factor,

    local verif = 'verifications',
    // Over what that SLO covers (its `scope`, the same matchers the recording rules use): the rate is
    // drawn against its objective, so it must not include jobs the SLO does not hold to it.
    local m1Scope = if m1 == null then [] else lib.scopeMatchers(m1),
    local success =
      '1 - %s' % Q.perEvent(
        Q.rate(verif, m1Scope + [lib.match(Q.outcome, badOutcomes)], 'job'),
        Q.rate(verif, m1Scope, 'job'),
      ),
    // Scoped SLOs say what they cover where their objectives are listed (nothing added without scopes).
    local scopes = [
      '%s: %s' % [s.name, std.join(', ', lib.scopeMatchers(s))]
      for s in c.slos
      if std.length(lib.scopeMatchers(s)) > 0
    ],

    local forgedReasons = ['unknown_key', 'signature_mismatch'],

    local panels = (
      if m1 == null then [] else [
        p.stat(
          'Auth success over the SLO period',
          'Share of verifications that were accepted over the whole SLO period (%s), per job, from the `%s` SLO series (collector or recording rules). Red below the objective (%s). No data for a job without verifications over the period, never 100%%.' % [
            c.period, m1.name, lib.percent(m1.objective),
          ],
          'percentunit',
          [p.target('1 - %s' % Q.slo('errorRatio', ['slo="%s"' % m1.name, 'window="%s"' % c.period]), '{{job}}')],
          w=8,
          thresholds=p.thresholds([['red', null], ['green', m1.objective]]),
          decimals=3,
        ),
      ]
    ) + [
      p.stat(
        'SLO objectives',
        'The objective of every SLO (`slo:hmac_slo_objective:ratio`), as configured in hmac-slo.yaml: what the budgets and burn rates below are measured against.' +
        (if std.length(scopes) == 0 then '' else ' Scoped SLOs count only the series they select (%s); one whose scope has no series has no budget or burn-rate series (no data).' % std.join('; ', scopes)),
        'percentunit',
        [p.target(Q.objective(), '{{slo}}')],
        w=8,
        thresholds=p.thresholds([['blue', null]]),
        decimals=2,
      ),
      p.stat(
        'KMS error ratio',
        'Share of KMS operations that failed, all selected jobs. Red above the alert threshold (%s, KmsErrorRatioHigh).' % lib.percent(fm.kmsErrorRatio),
        'percentunit',
        [p.target(Q.ratio(Q.rate('kmsOperations', ['%s="error"' % Q.outcome]), Q.rate('kmsOperations')), 'KMS errors')],
        w=4,
        thresholds=p.thresholds([['green', null], ['red', fm.kmsErrorRatio]]),
        decimals=3,
      ),
      p.stat(
        'KMS p95 latency',
        '95th percentile of KMS operation latency, all selected jobs. Red above the alert threshold (%ss, KmsLatencyHigh). Empty without KMS traffic.' % lib.num(fm.kmsLatencyP95Seconds),
        's',
        [p.target(Q.quantile('kmsOperationDuration', 0.95), 'KMS p95', exemplar=true)],
        w=4,
        thresholds=p.thresholds([['green', null], ['red', fm.kmsLatencyP95Seconds]]),
      ),

      p.timeseries(
        'Auth success rate vs objective',
        'Share of verifications accepted (not %s), per job, against the objective%s. Without verifications a job has no rate (no data), never 100%%.' % [
          std.join(' or ', badOutcomes),
          if m1 == null then '' else ' of `%s` (%s, dashed line and the objective series)' % [m1.name, lib.percent(m1.objective)],
        ],
        'percentunit',
        [p.target(success, '{{job}}')] + (if m1 == null then [] else [p.target(Q.objective(['slo="%s"' % m1.name]), 'objective ({{slo}})')]),
        thresholds=if m1 == null then null else p.thresholds([['red', null], ['green', m1.objective]]),
        decimals=3,
      ),
      p.timeseries(
        'Burn rate per SLO (%s)' % burnAlert.long,
        'How fast each SLO spends its error budget over the last %s (`job_slo:hmac_slo_error_budget:burn_rate`): 1 spends exactly the budget over the %s period. The red line is the %s alert factor (%s%% of the budget in %s = %s×).' % [
          burnAlert.long, c.period, burnAlert.severity, lib.num(burnAlert.budgetConsumed * 100), burnAlert.long, lib.num(burnFactor),
        ],
        'short',
        [p.target(Q.slo('burnRate', ['window="%s"' % burnAlert.long]), '{{job}} {{slo}}')],
        thresholds=p.thresholds([['green', null], ['yellow', 1], ['red', burnFactor]]),
        decimals=2,
      ),

      p.bargauge(
        'Error budget remaining per SLO',
        'Share of the %s error budget left, per job and SLO (`job_slo:hmac_slo_error_budget:remaining`): 100%% untouched, 0 spent, below 0 overspent; no bar for a job without events over the period (no data). Amber below %s.' % [
          c.period, lib.percent(d.budgetWarnRemaining),
        ],
        'percentunit',
        [p.target(Q.slo('errorBudgetRemaining'), '{{job}} {{slo}}')],
        thresholds=p.thresholds([['red', null], ['orange', 0], ['green', d.budgetWarnRemaining]]),
        decimals=1,
        max=1,
      ),
      p.timeseries(
        'Unauthorized and forged attempts',
        'Rejections that point at someone without the right secret: an unknown key ID or a bad signature (what ForgedAttemptsFlood compares with %s/s, the dashed line), and a revoked key still presented (RevokedKeyPresented pages on any).' % lib.num(fm.forgedAttemptsRate),
        'reqps',
        [
          p.target(Q.rate(verif, [Q.reasonIn(forgedReasons)], 'job'), '{{job}} unknown key or bad signature'),
          p.target(Q.rate(verif, [Q.reasonIn(['revoked_key'])], 'job'), '{{job}} revoked key'),
        ],
        thresholds=p.thresholds([['green', null], ['red', fm.forgedAttemptsRate]]),
      ),

      p.table(
        'Key rotation status',
        'One row per key ID: its declared status and owning team (`hmac_key_info`), its share of all verification traffic of the selected jobs, how many jobs still verify with it, and its age. A retiring key should fall to zero traffic: KeyRotationStalled fires when it keeps more than %s past %s; KeyTooOld when an active key passes %s.' % [
          lib.percent(fm.retiringKeyTrafficShare), fm.rotationWindow, fm.maxKeyAge,
        ],
        'short',
        [
          p.target('max by (%s, %s, %s) (%s%s == 1)' % [Q.keyId, Q.label('keyStatus'), Q.label('keyOwner'), Q.metric('keyInfo'), Q.sel('keyInfo')], instant=true, format='table'),
          p.target(
            '%s\n/ on () group_left ()\nclamp_min(%s, %s)' % [Q.rate(verif, [], Q.keyId), Q.rate(verif, [], '', anyKey=true), lib.epsilon],
            instant=true,
            format='table',
          ),
          p.target('count by (%s) (%s > 0)' % [Q.keyId, Q.rate(verif, [], 'job, ' + Q.keyId)], instant=true, format='table'),
          p.target('max by (%s) (%s%s)' % [Q.keyId, Q.metric('keyAge'), Q.sel('keyAge')], instant=true, format='table'),
        ],
        columns={
          [Q.keyId]: 'Key ID',
          [Q.label('keyStatus')]: 'Status',
          [Q.label('keyOwner')]: 'Owner',
          'Value #B': 'Share of traffic',
          'Value #C': 'Jobs using it',
          'Value #D': 'Age',
        },
        sortBy='Share of traffic',
        // The key-info value is always 1: the query is there for its status label.
        hide=['Value #A'],
      ) {
        fieldConfig+: {
          overrides: [
            { matcher: { id: 'byName', options: 'Share of traffic' }, properties: [{ id: 'unit', value: 'percentunit' }, { id: 'decimals', value: 2 }] },
            { matcher: { id: 'byName', options: 'Age' }, properties: [{ id: 'unit', value: 's' }] },
          ],
        },
      },
      // Time to revoke (the HMAC auth guide's scenario), from the collector (keys/revocation.ts): the
      // collector's own per-key gauges carry no service job, so no $job here.
      p.table(
        'Time to revoke',
        'Per key ID, from the hmac-slo collector: when it was first seen revoked, how long it kept being presented after that (a holder still trying), and when a verification with it was last accepted (after the revocation: a verifier missed it). Keys never revoked show only their last acceptance. The key-compromise playbook (docs/runbooks.md) uses these to bound the abuse window.',
        'short',
        [
          p.target('max by (%s) (hmac_slo_collector_key_revoked_timestamp_seconds) * 1000' % Q.keyId, instant=true, format='table'),
          p.target('max by (%s) (hmac_slo_collector_key_presented_after_revoke_seconds)' % Q.keyId, instant=true, format='table'),
          p.target('max by (%s) (hmac_slo_collector_key_last_accepted_timestamp_seconds) * 1000' % Q.keyId, instant=true, format='table'),
        ],
        columns={
          [Q.keyId]: 'Key ID',
          'Value #A': 'Revoked at',
          'Value #B': 'Presented after revocation',
          'Value #C': 'Last accepted',
        },
        sortBy='Revoked at',
      ) {
        fieldConfig+: {
          overrides: [
            { matcher: { id: 'byName', options: 'Revoked at' }, properties: [{ id: 'unit', value: 'dateTimeAsIso' }] },
            { matcher: { id: 'byName', options: 'Presented after revocation' }, properties: [{ id: 'unit', value: 's' }] },
            { matcher: { id: 'byName', options: 'Last accepted' }, properties: [{ id: 'unit', value: 'dateTimeAsIso' }] },
          ],
        },
      },
    ],

    'hmac-slo-executive.json': C.dashboard(
      'executive',
      'HMAC request authentication at a glance: success against the objective, error budgets, key rotation, attacks and KMS health. Generated by hmac-slo (docs/dashboards.md).',
      panels,
    ),
  },
}
