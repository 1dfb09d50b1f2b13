// Recording rule of the leaked-key alert (HmacAuthKeyClientsSurge, alerts/keys.libsonnet): per job and
// key, the most clients (the largest replica's count, lib.gauge) over the last `keyClientsBucket` (1h), recorded once per
// bucket (the group's own interval), so each sample covers the hour before it and the samples abut.
// The alert takes a key's usual count as this series' maximum over `keyClientsHistory` (8d): 192
// samples per key, where eight days of a series recorded at every evaluation (or a subquery over
// every replica's raw series) decode tens of thousands per key at every evaluation. The price:
// the baseline only covers the time since these rules were loaded, and Prometheus shows the rule's
// health as unknown until its first hourly evaluation (docs/alerts.md).
local lib = import 'lib.libsonnet';

{
  prometheusRules+:: {
    local c = $._config,
    groups+: [{
      name: 'hmac-auth-key-clients',
      interval: lib.scaled(c, lib.keyClientsBucket),
      rules: [{
        record: lib.keyClientsMax(c),
        // Sampled every minute: the verifiers count a client for 5 minutes after its last request, so
        // every client is in several samples.
        expr: 'max_over_time((%s)[%s:%s])' % [lib.keyClientsNow(c), lib.scaled(c, lib.keyClientsBucket), lib.scaled(c, '1m')],
      }],
    }],
  },
}
