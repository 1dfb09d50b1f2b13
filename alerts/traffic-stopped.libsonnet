// Verification traffic stopped: a job whose counters are still reported but no longer move. The
// burn-rate alerts resolve when a window has no events (no traffic is no data) and TelemetryAbsent
// needs the series to disappear, so without this nothing notices a proxy, load balancer or client
// circuit breaker failing requests before the verifier, or verifications that hang and never end.
local lib = import '../rules/lib.libsonnet';

{
  prometheusAlerts+:: {
    local c = $._config,
    local fm = c.alerting.failureModes,
    local w = lib.scaled(c, fm.window),
    local lookback = lib.scaled(c, fm.trafficStoppedLookback),
    local v = lib.metric(c, 'verifications') + lib.sel(c, []),
    // The usual rate counts only series still reported now (`and rate(…[window])`): a series that
    // vanished is TelemetryAbsent's case (or a replica gone), not traffic that stopped.
    local usual = 'sum by (job) (rate(%s[%s] offset %s) and rate(%s[%s]))' % [v, lookback, w, v, w],

    groups+: [{
      name: 'hmac-auth-traffic',
      rules: [
        lib.alert(
          c, 'VerificationTrafficStopped', 'warning',
          'sum by (job) (rate(%s[%s]))\n< %s * %s\nand on (job)\n%s >= %s' % [
            v, w, lib.num(fm.trafficStoppedRatio), usual, usual, lib.num(fm.trafficStoppedMinRate),
          ],
          fm['for'],
          'A service stopped verifying HMAC requests.',
          '{{ $labels.job }} verified {{ $value | humanize }} requests/s over the last %s, below %s of its rate over the %s before (at least %s/s), while it still reports its counters: requests fail before the verifier (proxy, load balancer, client circuit breakers) or verifications hang. No failure reaches the SLOs meanwhile. A ticket, not a page: a planned drain or a client moving away looks the same.' % [
            fm.window, lib.percent(fm.trafficStoppedRatio), fm.trafficStoppedLookback, lib.num(fm.trafficStoppedMinRate),
          ],
        ),
      ],
    }],
  },
}
