// Rejections that point at a cause: signature mismatches, forged or unknown-key floods,
// body digest mismatches and failures concentrated in a canary. Rates use
// `alerting.failureModes.window`; with no traffic every ratio is 0 (floored denominator), never NaN.
local lib = import '../rules/lib.libsonnet';

{
  prometheusAlerts+:: {
    local c = $._config,
    local fm = c.alerting.failureModes,
    local w = lib.scaled(c, fm.window),
    local V = lib.metric(c, 'verifications'),
    local O = lib.label(c, 'outcome'),
    local E = lib.label(c, 'errorType'),
    local rate(matchers) = 'sum by (job) (rate(%s%s[%s]))' % [V, lib.sel(c, matchers), w],
    local ratio(matchers, all) = '%s / clamp_min(%s, %s)' % [rate(matchers), rate(all), lib.epsilon],

    // Signature mismatch: share of verifications failing with signature_mismatch, per job, above the threshold.
    local mismatch = '(%s) > %s' % [ratio(['%s="signature_mismatch"' % E], []), lib.num(fm.mismatchRatio)],
    // Many jobs at once = a shared cause (SDK release, canonicalization change, rotated secret).
    local manyJobs = 'on () (count(%s) >= %d)' % [mismatch, fm.mismatchManyJobs],
    local mismatchDescription(extra) =
      '{{ $labels.job }}: {{ $value | humanizePercentage }} of verifications failed with signature_mismatch over the last %s (threshold %s)%s.' % [
        fm.window, lib.percent(fm.mismatchRatio), extra,
      ],

    // Canary: failure ratio of the canary deployment vs the stable one, per job.
    local track = fm.canaryLabel,
    local canary = ratio(['%s!="accepted"' % O, '%s="%s"' % [track, fm.canaryValue]], ['%s="%s"' % [track, fm.canaryValue]]),
    local stable = ratio(['%s!="accepted"' % O, '%s!="%s"' % [track, fm.canaryValue]], ['%s!="%s"' % [track, fm.canaryValue]]),

    groups+: [{
      name: 'hmac-auth-signatures',
      rules: [
        lib.alert(
          c, 'SignatureMismatchSpike', 'critical',
          '%s\nand %s' % [mismatch, manyJobs], fm['for'],
          'Signature mismatches spiked in many services at once.',
          mismatchDescription(', and at least %d jobs are failing at once: look for a shared change' % fm.mismatchManyJobs),
        ),
        lib.alert(
          c, 'SignatureMismatchSpike', 'warning',
          '%s\nunless %s' % [mismatch, manyJobs], fm['for'],
          'Signature mismatches spiked in a service.',
          mismatchDescription(''),
        ),
        lib.alert(
          c, 'ForgedAttemptsFlood', 'warning',
          '%s > %s' % [rate(['%s=~"unknown_key|signature_mismatch"' % E]), lib.num(fm.forgedAttemptsRate)], fm['for'],
          'A flood of requests with unknown keys or bad signatures.',
          '{{ $labels.job }} rejects {{ printf "%%.3g" $value }} requests/s with unknown_key or signature_mismatch over the last %s (threshold %s/s).' % [
            fm.window, lib.num(fm.forgedAttemptsRate),
          ],
          { category: 'security' },
        ),
        lib.alert(
          c, 'DigestMismatch', 'warning',
          '%s > %s' % [rate(['%s="digest_mismatch"' % E]), lib.num(fm.digestMismatchRate)], fm['for'],
          'Request bodies no longer match their signed digest.',
          '{{ $labels.job }} rejects {{ printf "%%.3g" $value }} requests/s with digest_mismatch over the last %s: something between client and verifier (proxy, gateway, body parser) is altering request bodies.' % fm.window,
        ),
        lib.alert(
          c, 'CanaryFailuresElevated', 'warning',
          '(%s) > %s\n> (%s * (%s))' % [canary, lib.num(fm.mismatchRatio), lib.num(fm.canaryFactor), stable], fm['for'],
          'The canary deployment fails HMAC auth more than the stable one.',
          '{{ $labels.job }}: {{ $value | humanizePercentage }} of verifications on %s="%s" fail over the last %s, more than %s× the stable ratio: halt the rollout.' % [
            track, fm.canaryValue, fm.window, lib.num(fm.canaryFactor),
          ],
        ),
      ],
    }],
  },
}
