// Debug dashboard: the detail behind an incident. Per key ID (outcomes, reasons, age), failure
// reasons over time for verification and signing, the nonce cache (fresh/replayed, size), KMS
// latency heatmap and errors by type, key-store reads by key and store, digest and header
// problems, rate-limited signing, and latency heatmaps whose exemplars open traces.
local p = import 'lib/panels.libsonnet';
local lib = import '../rules/lib.libsonnet';

{
  grafanaDashboards+:: {
    local c = $._config,
    local Q = (import 'lib/queries.libsonnet')(c),
    local C = (import 'lib/common.libsonnet')(c),
    local fm = c.alerting.failureModes,
    local verif = 'verifications',
    local K = Q.keyId,
    local E = Q.reason,
    local O = Q.outcome,
    local R = Q.label('replayResult'),
    local kmsBy = '%s, %s' % [Q.label('kmsProvider'), Q.label('kmsOperation')],
    local F = Q.label('failureCause'),

    local panels = [
      p.timeseries(
        'Verifications by key ID and outcome',
        'Verifications per second per key ID and outcome (accepted, rejected, error). During a rotation the new key should take over from the retiring one; `unknown` collects every key ID the service did not declare (forged or not yet rolled out), `other` IDs past the cardinality cap.',
        'reqps',
        [p.target(Q.rate(verif, [], '%s, %s' % [K, O]), '{{%s}} {{%s}}' % [K, O])],
        stack=true,
      ),
      p.timeseries(
        'Failures by key ID and reason',
        'Rejections and errors per key ID and reason: revoked_key on a key means it is still presented after revocation; unknown_key and signature_mismatch concentrated on one key point at a rotation gap or a stale secret.',
        'reqps',
        [p.target(Q.rate(verif, [Q.notAccepted], '%s, %s' % [K, E]), '{{%s}} {{%s}}' % [K, E])],
        stack=true,
      ),
      // Issue 11: why signatures fail (the wrapper's diagnosis), who is hurt, and who uses each key.
      p.timeseries(
        'Failure causes by job and key ID',
        'Why verifications failed, as the wrapper diagnosed it in-process (`hmac_auth_failure_causes_total`, label `hmac_failure_cause`): body_not_raw (a JSON parser ran before the verifier), body_reserialized, body_whitespace, body_base64, body_encoding, body_compressed, secret_format, signed_with_other_key (rotation lag or a config mix-up), a canonical component that differs, or secret_differs / undiagnosed. Per job, key ID and reason.',
        'reqps',
        [p.target(Q.rate('failureCauses', [], 'job, %s, %s, %s' % [K, E, F]), '{{job}} {{%s}} {{%s}}: {{%s}}' % [K, E, F])],
        stack=true,
      ),
      p.timeseries(
        'Failing vs active clients',
        'Distinct clients seen in the verifiers\' sliding window (active) and those of them that failed at least once in it (failing), per job (`hmac_auth_clients`, from the `clientId` option; per scheme the largest replica\'s count, also through the hmac-slo collector, so a client served by several replicas counts once). A burn from fewer than %d failing clients and under %s of the active ones opens a ticket instead of a page (alerting.blastRadius).' % [
          c.alerting.blastRadius.minFailingClients, lib.percent(c.alerting.blastRadius.minFailingShare),
        ],
        'short',
        [p.target(Q.clients(), '{{job}} {{%s}}' % Q.label('clientState'))],
      ),
      p.timeseries(
        'Clients per key over time',
        'Distinct clients that verified successfully with each key in the verifiers\' window (`hmac_key_clients`, the largest replica\'s count like the panel above). A key suddenly used by more clients than usual may have leaked: KeyClientsSurge pages security above %s× the key\'s maximum of the last %s (and at least %d).' % [
          lib.num(fm.keyClientsFactor), fm.keyClientsHistory, fm.keyClientsFloor,
        ],
        'short',
        [p.target(Q.gauge('keyClients', 'job, %s' % K), '{{job}} {{%s}}' % K)],
      ),

      p.timeseries(
        'Verification failure reasons over time',
        'Every verification failure reason (`error.type`) per second, all selected jobs and keys, stacked.',
        'reqps',
        [p.target(Q.rate(verif, [Q.notAccepted], E), '{{%s}}' % E)],
        stack=true,
      ),
      p.timeseries(
        'Signing failures by reason',
        'Outgoing signatures that failed, by reason: kms_throttled and kms_timeout mean the signing endpoint or KMS is rate-limiting signers; revoked_key means a signer still uses a revoked key.',
        'reqps',
        [p.target(Q.rate('signings', [Q.notAccepted], 'job, ' + E), '{{job}} {{%s}}' % E)],
        stack=true,
      ),

      p.timeseries(
        'Digest and header problems',
        'Rejections that point at something between client and verifier: digest_mismatch (the body changed after signing: a proxy or body parser altered it; DigestMismatch fires above %s/s), missing_signature (a proxy stripped the header) and malformed_signature (encoding or header format).' % lib.num(fm.digestMismatchRate),
        'reqps',
        [p.target(Q.rate(verif, [Q.reasonIn(['digest_mismatch', 'missing_signature', 'malformed_signature'])], 'job, ' + E), '{{job}} {{%s}}' % E)],
        thresholds=p.thresholds([['green', null], ['red', fm.digestMismatchRate]]),
      ),
      p.timeseries(
        'Signing latency p95 by job',
        '95th percentile time to produce a signature, per job: rises when signers wait on a throttled KMS or signing endpoint. Dots are exemplars linked to traces.',
        's',
        [p.target(Q.quantile('signingDuration', 0.95, 'job'), '{{job}} p95', exemplar=true)],
      ),

      p.timeseries(
        'Nonce cache checks: fresh vs replayed',
        'Replay-cache lookups per second by result: fresh nonces are normal traffic, replayed ones are rejected replays (target zero). Fresh checks far below verifications mean the nonce check is skipped somewhere.',
        'reqps',
        [p.target(Q.rate('replayChecks', [], 'job, ' + R), '{{job}} {{%s}}' % R)],
      ),
      p.timeseries(
        'Nonce cache size',
        'Entries held by the replay caches, summed over instances per job. It should plateau at about (requests/s × timestamp window, %s): a cache that evicts before the window ends lets replays through.' % fm.timestampWindow,
        'short',
        [p.target('sum by (job) (%s%s)' % [Q.metric('replayCacheSize'), Q.sel('replayCacheSize')], '{{job}}')],
      ),

      p.heatmap(
        'KMS latency heatmap',
        'Distribution of KMS operation latency over time (all providers and operations of the selected jobs). Exemplars link to the traces of individual slow calls.',
        's',
        [p.target(Q.buckets('kmsOperationDuration'), '{{le}}', format='heatmap', exemplar=true)],
        cellUnit='ops',
      ),
      p.timeseries(
        'KMS p95 latency by operation',
        '95th percentile KMS latency per provider and operation. The dashed line is the KmsLatencyHigh threshold (%ss).' % lib.num(fm.kmsLatencyP95Seconds),
        's',
        [p.target(Q.quantile('kmsOperationDuration', 0.95, kmsBy), '{{%s}} {{%s}} p95' % [Q.label('kmsProvider'), Q.label('kmsOperation')], exemplar=true)],
        thresholds=p.thresholds([['green', null], ['red', fm.kmsLatencyP95Seconds]]),
      ),
      p.timeseries(
        'KMS errors by type',
        'Failed KMS operations per second by provider, operation and reason: kms_timeout (too slow), kms_throttled (rate-limited), kms_unavailable (outage), kms_error (anything else).',
        'ops',
        [p.target(Q.rate('kmsOperations', ['%s="error"' % O], '%s, %s' % [kmsBy, E]), '{{%s}} {{%s}} {{%s}}' % [Q.label('kmsProvider'), Q.label('kmsOperation'), E])],
        stack=true,
      ),
      p.timeseries(
        'KMS error ratio by job',
        'Share of KMS operations that failed, per job. The dashed line is the KmsErrorRatioHigh threshold (%s).' % lib.percent(fm.kmsErrorRatio),
        'percentunit',
        [p.target(Q.share('kmsOperations', ['%s="error"' % O], 'job'), '{{job}}')],
        thresholds=p.thresholds([['green', null], ['red', fm.kmsErrorRatio]]),
        decimals=3,
      ),

      p.timeseries(
        'Key-store reads by key and store',
        'Secret reads per second by key ID, key store and outcome: the secrets-access audit. Reads should track cache refreshes, not requests; a rise without a deploy means something reads secrets it should cache, or someone reads them who should not.',
        'reqps',
        [p.target(Q.rate('keystoreReads', [], '%s, %s, %s' % [K, Q.label('keystoreName'), O]), '{{%s}} from {{%s}} ({{%s}})' % [K, Q.label('keystoreName'), O])],
      ),
      p.bargauge(
        'Key age (rotation policy)',
        'Age of each declared key, oldest per key ID over the selected jobs. Red past the rotation policy (%s, KeyTooOld).' % fm.maxKeyAge,
        's',
        [p.target('max by (%s) (%s%s)' % [K, Q.metric('keyAge'), Q.sel('keyAge')], '{{%s}}' % K)],
        thresholds=p.thresholds([['green', null], ['red', lib.seconds(fm.maxKeyAge)]]),
      ),

      p.heatmap(
        'Verification latency heatmap, failed verifications (exemplars)',
        'Latency distribution of verifications that were not accepted. Each exemplar is a sampled failed request: open its trace to see the reason, key ID and client fingerprint of a representative failure.',
        's',
        [p.target(Q.buckets('verificationDuration', [Q.notAccepted]), '{{le}}', format='heatmap', exemplar=true)],
      ),
      p.heatmap(
        'Verification latency heatmap, all verifications (exemplars)',
        'Latency distribution of every verification of the selected jobs and keys, with exemplars linked to traces.',
        's',
        [p.target(Q.buckets('verificationDuration'), '{{le}}', format='heatmap', exemplar=true)],
      ),
    ],

    'hmac-slo-debug.json': C.dashboard(
      'debug',
      'The detail behind an HMAC auth incident: per key ID, failure reasons, nonce cache, KMS latency and errors, key-store reads, digest mismatches, signing. Generated by hmac-slo (docs/dashboards.md).',
      panels,
    ),
  },
}
