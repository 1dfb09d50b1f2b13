// KMS health (error ratio, p95 latency) and verification p95 latency. Latency thresholds
// are measured quantities and are not scaled; histogram_quantile of an empty rate is NaN, and NaN
// never compares true, so a service without traffic never fires these.
local lib = import '../rules/lib.libsonnet';

{
  prometheusAlerts+:: {
    local c = $._config,
    local fm = c.alerting.failureModes,
    local w = lib.scaled(c, fm.window),
    local O = lib.label(c, 'outcome'),
    local kms = lib.metric(c, 'kmsOperations'),
    local p95(metric) = 'histogram_quantile(0.95, sum by (job, le) (rate(%s_bucket%s[%s])))' % [lib.metric(c, metric), lib.sel(c, []), w],

    groups+: [{
      name: 'hmac-auth-kms-latency',
      rules: [
        lib.alert(
          c, 'KmsErrorRatioHigh', 'warning',
          'sum by (job) (rate(%s%s[%s]))\n/ clamp_min(sum by (job) (rate(%s%s[%s])), %s)\n> %s' % [
            kms, lib.sel(c, ['%s="error"' % O]), w, kms, lib.sel(c, []), w, lib.epsilon, lib.num(fm.kmsErrorRatio),
          ],
          fm['for'],
          'KMS operations are failing.',
          '{{ $labels.job }}: {{ $value | humanizePercentage }} of KMS operations failed over the last %s (threshold %s): signing and verification that need the KMS fail with them.' % [
            fm.window, lib.percent(fm.kmsErrorRatio),
          ],
        ),
        lib.alert(
          c, 'KmsLatencyHigh', 'warning',
          '%s > %s' % [p95('kmsOperationDuration'), lib.num(fm.kmsLatencyP95Seconds)],
          fm['for'],
          'KMS operations are slow.',
          '{{ $labels.job }}: KMS p95 latency is {{ $value | humanizeDuration }} over the last %s (threshold %ss): throttling or a KMS incident; every uncached verification waits for it.' % [
            fm.window, lib.num(fm.kmsLatencyP95Seconds),
          ],
        ),
        lib.alert(
          c, 'VerificationLatencyHigh', 'warning',
          '%s > %s' % [p95('verificationDuration'), lib.num(fm.verificationLatencyP95Seconds)],
          fm['for'],
          'HMAC verification is slow.',
          '{{ $labels.job }}: verification p95 latency is {{ $value | humanizeDuration }} over the last %s (threshold %ss).' % [
            fm.window, lib.num(fm.verificationLatencyP95Seconds),
          ],
        ),
      ],
    }],
  },
}
