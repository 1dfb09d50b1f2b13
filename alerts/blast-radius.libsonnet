// Page or ticket by blast radius (the HMAC auth guide: page on system-wide drops, ticket for individual
// client failures). For the SLOs in `alerting.blastRadius.slos`, a page-severity burn-rate alert pages
// only when its failures are spread; when few clients fail it fires as a ticket instead. One function
// builds the clause added to a burn condition, so the burn-rate generation stays untouched otherwise.
//
// "Few clients" (`narrow`) needs evidence: the job reports `hmac_auth_clients` (its verifiers pass a
// `clientId` option), at least one client fails (failures from no identifiable client page: the
// wrapper counts each as a failing client of its own, up to 64), fewer than
// `minFailingClients` fail, they are less than `minFailingShare` of the job's active clients, and fewer
// than `minBurningJobs` jobs burn at once. A job without client counts is never narrow: it pages as
// before.
local lib = import '../rules/lib.libsonnet';

{
  // Whether a burn-rate entry of this SLO is split (only page-severity entries: tickets stay tickets).
  applies(c, slo, a):: a.severity == 'critical' && std.member(c.alerting.blastRadius.slos, slo.name),

  // Jobs whose burn comes from few clients, given the burn condition (`burning`, per job and slo).
  narrow(c, burning)::
    local b = c.alerting.blastRadius;
    local ST = lib.label(c, 'clientState');
    // Per job, the largest replica's count (lib.gauge; exact when the balancer spreads each client
    // over the replicas, low when it sticks each to one: the share below stays about right).
    local clients(state) = lib.gauge(c, 'authClients', 'job', lib.sel(c, ['%s="%s"' % [ST, state]]));
    '(\n  (%s >= 1 < %d)\n  and on (job)\n  (%s / on (job) clamp_min(%s, 1) < %s)\n  unless on ()\n  (count(%s) >= %d)\n)' % [
      clients('failing'), b.minFailingClients, clients('failing'), clients('active'), lib.num(b.minFailingShare),
      std.strReplace(burning, '\n', ' '), b.minBurningJobs,
    ],

  // The page: the burn, unless it is narrow.
  page(c, burning):: '%s\nunless on (job)\n%s' % [burning, self.narrow(c, burning)],
  // The ticket: the same burn when it is narrow.
  ticket(c, burning):: '%s\nand on (job)\n%s' % [burning, self.narrow(c, burning)],

  // Extra labels and the sentence naming the top failing client (collector's top rejected clients).
  // Those counts run since the collector's state began: ranked by their growth over the alert's long
  // window, so the ticket names the client failing now, not last month's biggest.
  ticketLabels:: { blast_radius: 'few_clients' },
  topClientSentence(window, shown)::
    ' Few clients are affected (below the blast-radius thresholds), so this is a ticket, not a page' +
    ('{{ with printf "topk(1, delta(hmac_slo_collector_top_rejected_clients{job=%%q}[%s]) > 0)" $labels.job | query }}' % window) +
    '{{ range . }}; top failing client fingerprint {{ .Labels.client_fingerprint }} (about {{ .Value | humanize }} rejections over the last %s){{ end }}{{ end }}.' % shown,
}
