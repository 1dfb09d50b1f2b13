// The hmac-slo collector itself dropping data because one of its caps is reached: points refused by
// a series, job, reading or pusher cap (hmac_slo_collector_series_overflow_total), whole pushes over
// the per-request caps, and connections refused over server.maxConnections. Each means some
// service's SLIs are incomplete. `job` is the collector's scrape job (its own metrics carry none),
// and no `selector` is applied: the config's selector names the services, not the collector.
// Header/body/idle timeouts and malformed pushes are not here: they are the client's fault.
// CollectorStorageFailing: the state directory cannot take pushes or snapshots (full disk, I/O
// errors): pushes are refused with 503 and the push logs grow until a snapshot succeeds.
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
            'sum by (job) (increase(hmac_slo_collector_closed_connections_total{reason=~"max_connections|max_connections_per_client"}[%s])) > 0' % w,
            'sum by (job) (increase(hmac_slo_collector_slo_pairs_refused_total[%s])) > 0' % w,
          ]),
          fm['for'],
          'The hmac-slo collector is refusing data at one of its caps.',
          '{{ $labels.job }}: the hmac-slo collector refused about {{ $value | humanize }} data points, pushes or connections over the last %s because a cap is reached (series, jobs, readings, pushers, request size, connections or SLO pairs): those pushes are lost, so some SLIs are incomplete.' % [fm.window],
        ),
        lib.alert(
          c, 'CollectorStorageFailing', 'critical',
          std.join('\nor\n', [
            'sum by (job) (increase(hmac_slo_collector_rejected_pushes_total{reason="storage_unavailable"}[%s])) > 0' % w,
            'sum by (job) (increase(hmac_slo_collector_snapshot_errors_total[%s])) > 0' % w,
          ]),
          fm['for'],
          'The hmac-slo collector cannot write its state: pushes are refused.',
          '{{ $labels.job }}: the hmac-slo collector failed about {{ $value | humanize }} push-log writes or snapshots over the last %s (full disk or I/O errors in its state directory): pushes get 503 and are lost once their senders stop retrying; the push logs grow until a snapshot succeeds.' % [fm.window],
        ),
      ],
    }],
  },
}
