// Helpers shared by the recording rules and the alerts: durations (with `timeScale`), number
// formatting, label selectors and the SLI expressions. Everything takes the mixin's `_config`.
//
// jsonnet 0.18 prints numbers with 17 significant digits (0.03 → "0.029999999999999999"), which
// would make `le` matchers miss and thresholds unreadable, so every number that lands in PromQL or a
// label goes through `num`.
local unitSeconds = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };

{
  // Shortest readable spelling of a number (12 significant digits: exact for every config value).
  num(x):: if x == 0 then '0' else std.format('%.12g', x),

  // `30d` → 2592000. Only the single-unit durations hmac-slo.yaml allows.
  seconds(d)::
    if std.endsWith(d, 'ms') then std.parseInt(std.substr(d, 0, std.length(d) - 2)) * 0.001
    else std.parseInt(std.substr(d, 0, std.length(d) - 1)) * unitSeconds[d[std.length(d) - 1]],

  // Seconds → the largest exact Prometheus unit (`86400` → `1d`), else whole milliseconds.
  formatDuration(sec)::
    local exact = [u for u in ['w', 'd', 'h', 'm', 's'] if sec >= unitSeconds[u] && sec / unitSeconds[u] == std.floor(sec / unitSeconds[u])];
    if std.length(exact) > 0 then '%d%s' % [sec / unitSeconds[exact[0]], exact[0]]
    else '%dms' % std.max(1, std.floor(sec * 1000 + 0.5)),

  // A config duration divided by `timeScale` (tests and demos compress a day into minutes).
  // Window LABEL values never go through this: they keep the unscaled name.
  scaled(c, d):: $.formatDuration($.seconds(d) / c.timeScale),
  scaledSeconds(c, d):: $.seconds(d) / c.timeScale,

  // `{a="b",c=~"d"}` from a list of matchers plus `config.selector` (empty parts dropped).
  sel(c, matchers)::
    local parts = [m for m in matchers + [c.selector] if m != ''];
    if std.length(parts) == 0 then '' else '{%s}' % std.join(',', parts),

  // `name="v"` or `name=~"a|b"` for a list of values.
  match(label, values)::
    if std.length(values) == 1 then '%s="%s"' % [label, values[0]]
    else '%s=~"%s"' % [label, std.join('|', values)],

  // A label value as a PromQL string literal (quotes, backslashes and control characters escaped).
  // Also escaped: the characters Prometheus' YAML reader takes for line breaks (U+2028, U+2029) or
  // refuses (U+FFFE, U+FFFF), which std.escapeStringJson leaves raw and would break the rule file.
  quote(v):: std.foldl(
    function(s, ch) std.strReplace(s, std.char(ch), '\\u%04x' % ch),
    [8232, 8233, 65534, 65535],
    std.escapeStringJson(v),
  ),
  // A value matched literally inside a (fully anchored) PromQL regex: RE2 metacharacters escaped.
  regexLiteral(v):: std.join('', [if std.member('\\.+*?()|[]{}^$', ch) then '\\' + ch else ch for ch in std.stringChars(v)]),

  // The matchers of an SLO's `scope` (hmac-slo.yaml `slos[].scope`: label → kept values, or
  // `{ notIn: [...] }` → left-out values), one per label, in label order; [] without a scope. Values
  // are exact, never patterns: escaped for the string and, in a list, for the regex. The loader has
  // already refused label names Prometheus would not accept. The one builder of an SLO's selector:
  // the SLI expressions below use it, so the recorded series only ever hold in-scope events.
  scopeMatchers(slo)::
    local scope = if std.objectHas(slo, 'scope') && slo.scope != null then slo.scope else {};
    [
      local m = scope[label];
      local keep = std.isArray(m);
      local values = if keep then m else m.notIn;
      if std.length(values) == 1 then '%s%s%s' % [label, if keep then '=' else '!=', $.quote(values[0])]
      else '%s%s%s' % [label, if keep then '=~' else '!~', $.quote(std.join('|', std.map($.regexLiteral, values)))]
      for label in std.objectFields(scope)
    ],

  // `le` as exporters spell a bucket bound: 0.03 → "0.03"; whole numbers also as "1.0" (some clients).
  leMatcher(threshold)::
    local s = $.num(threshold);
    if std.length(std.findSubstr('.', s)) == 0 && std.length(std.findSubstr('e', s)) == 0
    then 'le=~"%s|%s.0"' % [s, s]
    else 'le="%s"' % s,

  metric(c, key):: c.contract.metrics[key].name,
  label(c, key):: c.contract.labels[key],

  // A gauge of the contract added up `by` some labels, its sources combined as the contract says
  // (`acrossSources`; docs/metrics.md "Across replicas"): first each series (job and the gauge's own
  // labels) over whatever else tells its sources apart — replicas (`instance`), collectors, resource
  // labels such as `service_version` — by max (client counts: each replica sees the same clients)
  // or sum (replay caches), then those series added up. The hmac-slo collector combines its pushers
  // the same way, so every road gives one answer. `selector` is the caller's `{…}` (alerts: sel(),
  // dashboards: their own with `$job`).
  gauge(c, key, by, selector)::
    local m = c.contract.metrics[key];
    local across = { sum: 'sum', max: 'max', last: 'max' }[m.acrossSources];
    local series = std.join(', ', ['job'] + m.labels);
    local combined = '%s by (%s) (%s%s)' % [across, series, m.name, selector];
    if by == series then combined else 'sum by (%s) (%s)' % [by, combined],

  // Denominator floor: keeps a ratio at 0 (not NaN) when nothing happened in the window.
  epsilon:: '1e-9',

  // bad / total where there were events, and NO series where `total` is 0: no traffic is no data
  // (never a ratio of 0, never NaN). The one PromQL spelling of the rule the collector states in
  // src/collector/slo/math.ts; the SLO recording rules and the success-rate panel use it. Both sides
  // must carry the same labels (`sum by (job)`).
  perEvent(bad, total):: '%s / (%s > 0)' % [bad, total],

  // Every window the SLO series are recorded for, resolved once by `hmac-slo generate` (the contract's
  // windows, the period and every burn-rate alert window; src/config/slo-plan.ts), shortest first.
  windows(c):: c.contract.sloWindows,

  // The SLI of one SLO as PromQL over a (scaled) range `r`: `total` events and `bad` events, both
  // `sum by (job)`, so collector replicas and direct scrapes add up. `bad` exists whenever `total`
  // does (a job that never failed has no bad series at all: `or 0 * total` fills it with 0).
  sli(c, slo):: {
    local sli = slo.sli,
    local L = function(k) $.label(c, k),
    local scope = $.scopeMatchers(slo),
    total(r)::
      if sli.kind == 'ratio' then
        'sum by (job) (increase(%s%s[%s]))' % [$.metric(c, sli.source), $.sel(c, scope), r]
      else
        'sum by (job) (increase(%s_count%s[%s]))' % [$.metric(c, sli.source), $.sel(c, scope), r],
    bad(r)::
      if sli.kind == 'ratio' then
        local m = [$.match(L('outcome'), sli.badOutcomes)] +
                  (if std.objectHas(sli, 'badReasons') && sli.badReasons != null then [$.match(L('errorType'), sli.badReasons)] else []);
        '(sum by (job) (increase(%s%s[%s])) or 0 * %s)' % [$.metric(c, sli.source), $.sel(c, scope + m), r, self.total(r)]
      else
        // Latency: bad = all − those within the threshold bucket (an exact bucket bound, checked by the config loader).
        'clamp_min(%s - sum by (job) (increase(%s_bucket%s[%s])), 0)' % [
          self.total(r),
          $.metric(c, sli.source),
          $.sel(c, scope + [$.leMatcher(sli.thresholdSeconds)]),
          r,
        ],
  },

  // Names of the intermediate (per job, per SLO) series the long windows are computed from.
  baseWindow:: '5m',
  baseBad:: 'job_slo:hmac_slo_bad_events:increase5m',
  baseTotal:: 'job_slo:hmac_slo_events:increase5m',

  // The leaked-key alert's numbers (alerts/keys.libsonnet, rules/key-clients.libsonnet): a key's
  // clients now, per job and key the largest replica's count (`gauge`, docs/metrics.md "Across
  // replicas"), and the recorded series of that count's maximum over each `keyClientsBucket`, the
  // key's usual count is read from.
  keyClientsNow(c):: $.gauge(c, 'keyClients', 'job, %s' % $.label(c, 'keyId'), $.sel(c, [])),
  keyClientsBucket:: '1h',
  keyClientsMax(c):: 'job_%s:%s:max_over_time%s' % [$.label(c, 'keyId'), $.metric(c, 'keyClients'), $.keyClientsBucket],

  // `runbook_url` for an alert: `%s` in the pattern → the lower-cased alert name (the markdown anchor
  // of its section in docs/runbooks.md).
  runbookUrl(c, alertName):: std.strReplace(c.alerting.runbookUrl, '%s', std.asciiLower(alertName)),
  alertName(c, suffix):: c.alerting.alertPrefix + suffix,

  // One alerting rule with the fields every hmac-slo alert carries: a `severity` label, a static
  // `summary`, a templated `description` and a `runbook_url` to its section in docs/runbooks.md.
  // `forDuration` is a config duration (scaled by timeScale); null = fire on the first evaluation.
  alert(c, suffix, severity, expr, forDuration, summary, description, labels={})::
    local name = $.alertName(c, suffix);
    {
      alert: name,
      expr: expr,
      labels: { severity: severity } + labels,
      annotations: {
        summary: summary,
        description: description,
        runbook_url: $.runbookUrl(c, name),
      },
    } + (if forDuration == null then {} else { 'for': $.scaled(c, forDuration) }),

  // `0.01` → `1%` for prose in annotations.
  percent(x):: $.num(x * 100) + '%',

  // A key alert's expression with the team owning the key (`hmac_key_owner`, declared through the
  // key ring on `hmac_key_info`) added to each result, so Alertmanager routes the alert to that team
  // (alerts/alertmanager.yml). Results for keys with no owner or no `hmac_key_info` pass through
  // unchanged: the join never drops an alert. `expr` must keep the job and key ID labels. Every key alert
  // goes through this one function.
  withKeyOwner(c, expr)::
    local K = $.label(c, 'keyId');
    local O = $.label(c, 'keyOwner');
    // Declared owners only (a job that declares the key without one does not hide another's), one
    // per key ID; `== 1` is the current declaration.
    local owners(by) = 'topk by (%s) (1, max by (%s, %s) (%s%s == 1))' % [by, by, O, $.metric(c, 'keyInfo'), $.sel(c, ['%s!=""' % O])];
    // The owner the alert's own job declares first (a key ID such as "primary" may be two teams'
    // keys in two jobs), else one any job declares, else none: three disjoint parts.
    local own = owners('job, %s' % K);
    local any = owners(K);
    '(\n%s\n) * on (job, %s) group_left (%s) %s\nor\n(\n(\n%s\n) unless on (job, %s) %s\n) * on (%s) group_left (%s) %s\nor\n(\n%s\n) unless on (%s) %s' % [
      expr, K, O, own, expr, K, own, K, O, any, expr, K, any,
    ],
}
