// What the three dashboards share: uids, tags, the variables and the links between them.
local p = import 'panels.libsonnet';

function(c) {
  local d = c.dashboards,
  local Q = (import 'queries.libsonnet')(c),

  // Stable uids: bookmarks, links and alert annotations keep working across regenerations.
  uids:: {
    executive: d.uidPrefix + '-executive',
    oncall: d.uidPrefix + '-oncall',
    debug: d.uidPrefix + '-debug',
  },
  titles:: {
    executive: d.titlePrefix + 'Executive',
    oncall: d.titlePrefix + 'On-call',
    debug: d.titlePrefix + 'Debug',
  },
  local tooltips = {
    executive: 'SLOs, error budgets, key rotation, attacks, KMS: is HMAC auth healthy?',
    oncall: 'What is failing right now, where, why, and for whom',
    debug: 'Per key, per reason, nonce cache, KMS and key-store detail',
  },

  // Links to the two other dashboards (time range and variables carried along).
  links(self_):: [
    p.link($.titles[k], $.uids[k], tooltips[k])
    for k in ['executive', 'oncall', 'debug']
    if k != self_
  ],

  // datasource, job (multi, All = any), key_id (multi, All = any), and the collector's URL for the
  // status-page links (a textbox: deployments differ, edit it in place or via _config).
  // A job is any service reporting one of the contract's instruments (a pure signer has no
  // verifications, a KMS-only job no key IDs).
  local names = [
    local m = c.contract.metrics[k];
    if m.kind == 'histogram' then m.name + '_count' else m.name
    for k in std.objectFields(c.contract.metrics)
  ],
  local anyInstrument = Q.plainSel(['__name__=~"%s"' % std.join('|', names)] + (if c.selector == '' then [] else [c.selector])),
  variables:: [
    p.datasourceVariable,
    p.queryVariable('job', 'Job', 'label_values(%s, job)' % anyInstrument),
    // Key IDs seen in traffic or declared (a new key has no traffic before the rollout). All = `.*`,
    // which also keeps any keyed series that lacks the label.
    p.queryVariable('key_id', 'Key ID', 'label_values(%s, %s)' % [
      Q.plainSel(['__name__=~"%s|%s"' % [Q.metric('verifications'), Q.metric('keyInfo')], 'job=~"$job"'] + (if c.selector == '' then [] else [c.selector])),
      Q.keyId,
    ], allValue='.*'),
    p.textboxVariable('collector_url', 'Collector URL', d.collectorUrl),
  ],

  dashboard(which, description, panels)::
    p.dashboard($.uids[which], $.titles[which], description, d.tags, $.variables, $.links(which), panels, d.timeFrom, d.refresh),
}
