// Telemetry absent for a job that was reporting. No `absent()` (it cannot name the job that went
// away): a job present at some point in the lookback but with no sample in the last `absentFor`.
// The lookback is max(1d, 4 × absentFor), so the alert keeps firing that long and then resolves on its
// own; a job that was never seen never fires.
local lib = import '../rules/lib.libsonnet';

{
  prometheusAlerts+:: {
    local c = $._config,
    local fm = c.alerting.failureModes,
    local names = [
      local m = c.contract.metrics[k];
      if m.kind == 'histogram' then m.name + '_count' else m.name
      for k in std.objectFields(c.contract.metrics)
    ],
    local series = '{%s}' % std.join(',', ['__name__=~"%s"' % std.join('|', names)] + (if c.selector == '' then [] else [c.selector])),
    local lookback = lib.formatDuration(std.max(86400, 4 * lib.seconds(fm.absentFor)) / c.timeScale),

    groups+: [{
      name: 'hmac-auth-telemetry',
      rules: [
        lib.alert(
          c, 'TelemetryAbsent', 'warning',
          'group by (job) (present_over_time(%s[%s]))\nunless\ngroup by (job) (present_over_time(%s[%s]))' % [
            series, lookback, series, lib.scaled(c, fm.absentFor),
          ],
          null,
          'A service stopped reporting HMAC auth telemetry.',
          '{{ $labels.job }} reported HMAC auth metrics in the last %s but none in the last %s: the service, its exporter, the collector or the scrape is down, so its auth failures are invisible.' % [
            lookback, fm.absentFor,
          ],
        ),
      ],
    }],
  },
}
