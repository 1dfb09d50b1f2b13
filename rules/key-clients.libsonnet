// Recording rule of the leaked-key alert (HmacAuthKeyClientsSurge, alerts/keys.libsonnet): per job and
// key, the most clients (summed over replicas) over the last `keyClientsBucket` (1h). The alert takes
// a key's usual count as this series' maximum over `keyClientsHistory` (8d), read at one point per
// bucket: 192 points per key and evaluation, instead of a subquery over every replica's raw series
// for the whole history at every evaluation. Each recorded point costs a one-hour subquery of the key's
// series. The price: the baseline only covers the time since these rules were loaded (docs/alerts.md).
local lib = import 'lib.libsonnet';

{
  prometheusRules+:: {
    local c = $._config,
    groups+: [{
      name: 'hmac-auth-key-clients',
      rules: [{
        record: lib.keyClientsMax(c),
        // Sampled every minute: the verifiers count a client for 5 minutes after its last request, so
        // every client is in several samples.
        expr: 'max_over_time((%s)[%s:%s])' % [lib.keyClientsSum(c), lib.scaled(c, lib.keyClientsBucket), lib.scaled(c, '1m')],
      }],
    }],
  },
}
