// On-call dashboard: what is failing right now, where and why. Firing alerts, signature mismatches
// and replays first, then every failure by job and reason, verification latency
// quantiles with exemplars, clock skew against the timestamp window, canary vs stable
// failures, and the collector's view of recent failures and top rejected clients.
local p = import 'lib/panels.libsonnet';
local lib = import '../rules/lib.libsonnet';

{
  grafanaDashboards+:: {
    local c = $._config,
    local d = c.dashboards,
    local Q = (import 'lib/queries.libsonnet')(c),
    local C = (import 'lib/common.libsonnet')(c),
    local fm = c.alerting.failureModes,
    local verif = 'verifications',
    local R = Q.label('replayResult'),

    // Canary failures: the same expressions as HmacAuthCanaryFailuresElevated (alerts/signatures.libsonnet),
    // over $__rate_interval: failure ratio of the series labelled canary vs all the others.
    local track = fm.canaryLabel,
    local canaryExpr = Q.share(verif, [Q.notAccepted], 'job', ['%s="%s"' % [track, fm.canaryValue]]),
    local stableExpr = Q.share(verif, [Q.notAccepted], 'job', ['%s!="%s"' % [track, fm.canaryValue]]),

    local skewWarn = fm.clockSkewWarnFraction * lib.seconds(fm.timestampWindow),
    local skewWindow = lib.seconds(fm.timestampWindow),

    local br = c.alerting.blastRadius,
    local fastBurn = c.alerting.burnRate[0],

    local panels = [
      p.table(
        'Firing alerts',
        'hmac-slo alerts firing now (`ALERTS{alertname=~"%s.*"}`) for the selected jobs, with their severity, SLO and key ID. Each has a runbook section in docs/runbooks.md named after it.' % c.alerting.alertPrefix,
        'none',
        [p.target(
          'max by (alertname, severity, job, slo, %s) (ALERTS%s)' % [
            Q.keyId, Q.plainSel(['alertname=~"%s.*"' % c.alerting.alertPrefix, 'alertstate="firing"', 'job=~"$job"']),
          ],
          instant=true,
          format='table',
        )],
        h=6,
        columns={ alertname: 'Alert', severity: 'Severity', job: 'Job', slo: 'SLO', [Q.keyId]: 'Key ID', Value: 'Firing' },
      ),

      // Blast radius next to the burn rate: does the burn hurt many clients (page) or few (ticket)?
      p.timeseries(
        'Burn rate by job (%s)' % fastBurn.long,
        'Error-budget burn rate over %s of the SLOs split by blast radius (%s). Above the red line (%s×) the burn alert fires; whether it pages depends on the panel to the right.' % [
          fastBurn.long, std.join(', ', br.slos), lib.num(fastBurn.factor),
        ],
        'short',
        [p.target(Q.slo('burnRate', ['window="%s"' % fastBurn.long, lib.match('slo', br.slos)]), '{{job}} {{slo}}')],
        thresholds=p.thresholds([['green', null], ['red', fastBurn.factor]]),
      ),
      p.timeseries(
        'Blast radius: failing clients and share',
        'Failing clients per job (`hmac_auth_clients{hmac_client_state="failing"}`) and their share of the active clients. The burn pages when at least %d clients or %s of the active ones fail, or %d jobs burn at once; otherwise it is a ticket naming the top failing client. Jobs without `clientId` show nothing here and always page.' % [
          br.minFailingClients, lib.percent(br.minFailingShare), br.minBurningJobs,
        ],
        'short',
        [
          p.target(Q.clients('job', ['%s="failing"' % Q.label('clientState')]), '{{job}} failing clients'),
          p.target(
            '%s\n/ clamp_min(%s, 1)' % [Q.clients('job', ['%s="failing"' % Q.label('clientState')]), Q.clients('job', ['%s="active"' % Q.label('clientState')])],
            '{{job}} failing share',
          ),
        ],
        thresholds=p.thresholds([['green', null], ['red', br.minFailingClients]]),
      ),

      p.timeseries(
        'Signature mismatch ratio by job',
        'Share of verifications rejected with signature_mismatch: canonicalization changes, wrong or stale secrets, forgeries. SignatureMismatchSpike opens a ticket above %s (dashed line) and pages when %d or more jobs are above it at once.' % [
          lib.percent(fm.mismatchRatio), fm.mismatchManyJobs,
        ],
        'percentunit',
        [p.target(Q.share(verif, [Q.reasonIn(['signature_mismatch'])], 'job'), '{{job}}')],
        thresholds=p.thresholds([['green', null], ['red', fm.mismatchRatio]]),
        decimals=2,
      ),
      p.timeseries(
        'Replays by job',
        'Requests rejected as replays (a nonce or signature seen before) and replay-cache hits. The target is zero: ReplayDetected fires on anything above %s/s.' % lib.num(fm.replayRate),
        'reqps',
        [
          p.target(Q.rate(verif, [Q.reasonIn(['replay'])], 'job'), '{{job}} rejected as replay'),
          p.target(Q.rate('replayChecks', ['%s="replayed"' % R], 'job'), '{{job}} nonce cache: replayed'),
        ],
        thresholds=p.thresholds([['green', null], ['red', fm.replayRate]]),
      ),

      p.timeseries(
        'Failures by job and reason',
        'Every verification that was not accepted, per job and failure reason (`error.type`): rejected = the client\'s fault (mismatch, replay, skew, unknown or revoked key, digest), error = ours (KMS, internal). Stacked.',
        'reqps',
        [p.target(Q.rate(verif, [Q.notAccepted], 'job, %s, %s' % [Q.outcome, Q.reason]), '{{job}} {{%s}} ({{%s}})' % [Q.reason, Q.outcome])],
        w=24,
        stack=true,
      ),

      p.timeseries(
        'Verification latency by job',
        'Median, 95th and 99th percentile of verification time per job, whatever the outcome. Dots are exemplars: click one to open its trace. The dashed line is the p95 alert threshold (%ss, VerificationLatencyHigh).' % lib.num(fm.verificationLatencyP95Seconds),
        's',
        [
          p.target(Q.quantile('verificationDuration', phi, 'job'), '{{job}} p%s' % lib.num(phi * 100), exemplar=true)
          for phi in d.latencyQuantiles
        ],
        thresholds=p.thresholds([['green', null], ['red', fm.verificationLatencyP95Seconds]]),
      ),
      p.timeseries(
        'Canary vs stable failure ratio',
        'Share of verifications not accepted on series labelled %s="%s" vs all other series, per job (the expressions of CanaryFailuresElevated, which fires when the canary is above %s and above %s× stable). No canary series: the canary line is empty; see the runbook for labelling canaries.' % [
          track, fm.canaryValue, lib.percent(fm.mismatchRatio), lib.num(fm.canaryFactor),
        ],
        'percentunit',
        [
          p.target(canaryExpr, '{{job}} canary'),
          p.target(stableExpr, '{{job}} stable'),
        ],
        thresholds=p.thresholds([['green', null], ['red', fm.mismatchRatio]]),
        decimals=2,
      ),

      p.heatmap(
        'Clock skew distribution',
        'How far request timestamps are from the verifier clock (|skew|, accepted and timestamp_skew requests), per bucket over time. Requests beyond the %s timestamp window are rejected; ClockSkewNearWindow warns when p99 passes %s of it.' % [
          fm.timestampWindow, lib.percent(fm.clockSkewWarnFraction),
        ],
        's',
        [p.target(Q.buckets('clockSkew'), '{{le}}', format='heatmap')],
      ),
      p.timeseries(
        'Clock skew p50 / p99 vs timestamp window',
        'Median and 99th percentile clock skew per job. Amber line: the warning level (%s × %s = %ss); red line: the window itself (%ss), past which requests fail as timestamp_skew.' % [
          lib.percent(fm.clockSkewWarnFraction), fm.timestampWindow, lib.num(skewWarn), lib.num(skewWindow),
        ],
        's',
        [
          p.target(Q.quantile('clockSkew', 0.5, 'job'), '{{job}} p50'),
          p.target(Q.quantile('clockSkew', 0.99, 'job'), '{{job}} p99'),
        ],
        thresholds=p.thresholds([['green', null], ['orange', skewWarn], ['red', skewWindow]]),
      ),

      p.table(
        'Failing right now (job, reason, key)',
        'Verification failures per second at the end of the time range, by job, reason and key ID, worst first: the recent-failures view from metrics. Individual failures (time, trace ID, client fingerprint) are on the collector status page (link panel below).',
        'reqps',
        [p.target('sort_desc(%s > 0)' % Q.rate(verif, [Q.notAccepted], 'job, %s, %s' % [Q.reason, Q.keyId]), instant=true, format='table')],
        w=12,
        columns={ job: 'Job', [Q.reason]: 'Reason', [Q.keyId]: 'Key ID', Value: 'Failures/s' },
        sortBy='Failures/s',
      ),
      p.table(
        'Top rejected clients (collector)',
        'Clients with the most rejected requests per job, by fingerprint (first 12 hex of SHA-256 of the client ID; raw IDs never leave the service), from the collector\'s top-%d per job since it started (`hmac_slo_collector_top_rejected_clients`; a space-saving estimate: a count can be too high by at most the smallest count of its job).' % c.collector.failures.topClients,
        'short',
        [p.target(
          'topk(%d, sum by (job, client_fingerprint) (hmac_slo_collector_top_rejected_clients%s))' % [
            c.collector.failures.topClients, Q.plainSel(['job=~"$job"']),
          ],
          instant=true,
          format='table',
        )],
        w=12,
        columns={ job: 'Job', client_fingerprint: 'Client fingerprint', Value: 'Rejected requests' },
        sortBy='Rejected requests',
      ),

      p.timeseries(
        'Failed spans received by the collector',
        'Failed hmac.* spans per second reaching the collector\'s failure log (all jobs: the collector counts them in one series). Zero while metrics show failures means traces are not being sent to the collector.',
        'cps',
        [p.target('sum(rate(hmac_slo_collector_failed_spans_total[$__rate_interval]))', 'failed spans')],
      ),
      p.text(
        'Recent failures (collector status page)',
        'Links to the collector\'s failure ring (the last %d failed spans, newest first) — Grafana cannot read its JSON API without a plugin. Set the collector URL in the variable at the top.' % c.collector.failures.ringSize,
        |||
          The collector keeps the last **%d** failed `hmac.*` spans (time, job, reason, key ID, client
          fingerprint, trace ID) and the top **%d** rejected clients per job.

          - [Status page: recent failures and key table](${collector_url}/)
          - [Failures as JSON](${collector_url}/api/failures?limit=100) — add `&job=<job>` or `&reason=signature_mismatch`
          - [Key rotation status as JSON](${collector_url}/api/keys)
        ||| % [c.collector.failures.ringSize, c.collector.failures.topClients],
        h=8,
      ),
    ],

    'hmac-slo-oncall.json': C.dashboard(
      'oncall',
      'What is failing right now, where and why: firing alerts, signature mismatches and replays first, failures by reason, latency with exemplars, clock skew, canary vs stable, and the collector\'s failure log. Generated by hmac-slo (docs/dashboards.md).',
      panels,
    ),
  },
}
