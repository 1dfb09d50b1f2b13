// Timestamp and nonce defences: clock skew approaching the verifiers' timestamp window (fires
// BEFORE requests are rejected) and any replay detected (the replay rate's target is zero in production).
// The skew threshold is a measured quantity compared with `hmac_auth_clock_skew_seconds`, so it is not
// divided by timeScale.
local lib = import '../rules/lib.libsonnet';

{
  prometheusAlerts+:: {
    local c = $._config,
    local fm = c.alerting.failureModes,
    local w = lib.scaled(c, fm.window),
    local skewLimit = fm.clockSkewWarnFraction * lib.seconds(fm.timestampWindow),
    local E = lib.label(c, 'errorType'),
    local R = lib.label(c, 'replayResult'),

    groups+: [{
      name: 'hmac-auth-replay-clock',
      rules: [
        lib.alert(
          c, 'ClockSkewNearWindow', 'warning',
          'histogram_quantile(0.99, sum by (job, le) (rate(%s_bucket%s[%s]))) > %s' % [
            lib.metric(c, 'clockSkew'), lib.sel(c, []), w, lib.num(skewLimit),
          ],
          fm['for'],
          'Client clocks are drifting towards the timestamp window.',
          '{{ $labels.job }}: p99 clock skew between signers and the verifier is {{ $value | humanizeDuration }} over the last %s, above %s of the %s timestamp window: requests will be rejected as timestamp_skew once it is exceeded.' % [
            fm.window, lib.percent(fm.clockSkewWarnFraction), fm.timestampWindow,
          ],
        ),
        lib.alert(
          c, 'ReplayDetected', 'warning',
          '(sum by (job) (rate(%s%s[%s])) > %s)\nor\n(sum by (job) (rate(%s%s[%s])) > %s)' % [
            lib.metric(c, 'replayChecks'), lib.sel(c, ['%s="replayed"' % R]), w, lib.num(fm.replayRate),
            lib.metric(c, 'verifications'), lib.sel(c, ['%s="replay"' % E]), w, lib.num(fm.replayRate),
          ],
          null,
          'Replayed HMAC requests were detected.',
          '{{ $labels.job }} saw replayed requests (a nonce or signature seen before) at {{ printf "%%.3g" $value }}/s over the last %s (threshold %s/s).' % [
            fm.window, lib.num(fm.replayRate),
          ],
          { category: 'security' },
        ),
      ],
    }],
  },
}
