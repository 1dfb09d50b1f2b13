// The hmac-slo collector itself dropping data because one of its caps is reached: points refused by
// a series, job, reading or pusher cap (hmac_slo_collector_series_overflow_total), whole pushes over
// the per-request caps, and connections refused over server.maxConnections. Each means some
// service's SLIs are incomplete. `job` is the collector's scrape job (its own metrics carry none),
// and no `selector` is applied: the config's selector names the services, not the collector.
// Header/body/idle timeouts and malformed pushes are not here: they are the client's fault.
local lib = import '../rules/lib.libsonnet';

{
  prometheusAlerts+:: {
    local c = $._config,
    local fm = c.alerting.failureModes,
    local w = lib.scaled(c, fm.window),

    groups+: [{
      name: 'hmac-slo-collector',
      rules: [
        lib.alert(
          c, 'CollectorDroppingData', 'warning',
          std.join('\nor\n', [
            'sum by (job) (increase(hmac_slo_collector_series_overflow_total[%s])) > 0' % w,
            'sum by (job) (increase(hmac_slo_collector_rejected_pushes_total{reason=~"too_many_points|too_many_resources"}[%s])) > 0' % w,
            'sum by (job) (increase(hmac_slo_collector_closed_connections_total{reason="max_connections"}[%s])) > 0' % w,
          ]),
          fm['for'],
          'The hmac-slo collector is refusing data at one of its caps.',
          '{{ $labels.job }}: the hmac-slo collector refused about {{ $value | humanize }} data points, pushes or connections over the last %s because a cap is reached (series, jobs, readings, pushers, request size or connections): those pushes are lost, so some SLIs are incomplete.' % [fm.window],
        ),
      ],
    }],
  },
}
