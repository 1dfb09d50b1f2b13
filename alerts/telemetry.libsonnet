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
    // One present_over_time per metric, joined with `or`: range functions drop the metric name, so a
    // single regex selector over several names yields series that differ only by name, which
    // Prometheus refuses ("vector cannot contain metrics with the same labelset"), e.g.
    // hmac_replay_cache_size and hmac_auth_clock_skew_seconds_count of one job and scheme.
    local present(window) = std.join('\nor\n', [
      'present_over_time(%s%s[%s])' % [n, lib.sel(c, []), window]
      for n in names
    ]),
    local lookback = lib.formatDuration(std.max(86400, 4 * lib.seconds(fm.absentFor)) / c.timeScale),

    groups+: [{
      name: 'hmac-auth-telemetry',
      rules: [
        lib.alert(
          c, 'TelemetryAbsent', 'warning',
          'group by (job) (\n%s\n)\nunless\ngroup by (job) (\n%s\n)' % [present(lookback), present(lib.scaled(c, fm.absentFor))],
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
