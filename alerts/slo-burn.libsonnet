// Multiwindow multi-burn-rate alerts (SRE workbook, ch. 5), one rule per SLO and per entry of
// `alerting.burnRate`. The factor is derived, never typed: budgetConsumed × period ÷ long window
// (2 % of a 30d budget in 1h → 14.4×; the same 2 % of a 28d budget → 13.44×), computed once by
// `hmac-slo generate` (src/config/slo-plan.ts) into `alerting.burnRate[].factor`. Both windows must burn
// faster than the factor: the long one proves it matters, the short one that it is still happening.
// The recording rules are the only producer of the burn-rate series, so each (job, slo, window) is one
// series; `sum without (window)` only drops the window label so the two sides match on (job, slo).
local lib = import '../rules/lib.libsonnet';
local blast = import 'blast-radius.libsonnet';

{
  prometheusAlerts+:: {
    local c = $._config,
    local S = c.contract.sloSeries,
    // The one selector of an SLO's recorded series over a window. A scoped SLO needs nothing more:
    // its recorded series only hold the jobs and events in its scope (rules/lib.libsonnet
    // `scopeMatchers`), and a scope without traffic records nothing, so its alerts stay quiet.
    local sloSelector(slo, w) = '{slo=%s,window=%s}' % [lib.quote(slo.name), lib.quote(w)],
    local burn(slo, w) = 'sum without (window) (%s%s)' % [S.burnRate, sloSelector(slo, w)],

    // `split` (blast-radius.libsonnet): null = as configured; 'page' / 'ticket' = that half of the split.
    local rule(slo, a, split=null) =
      local factor = lib.num(a.factor);
      local burning = '%s > %s\nand\n%s > %s' % [burn(slo, a.long), factor, burn(slo, a.short), factor];
      lib.alert(
        c,
        'ErrorBudgetBurn',
        if split == 'ticket' then 'warning' else a.severity,
        if split == 'page' then blast.page(c, burning) else if split == 'ticket' then blast.ticket(c, burning) else burning,
        null,
        'An HMAC auth SLO is burning its error budget too fast.',
        '{{ $labels.job }} is burning the {{ $labels.slo }} error budget {{ $value | humanize }}× faster than sustainable ' +
        'over the last %s (and still over %s; alert threshold %s×): at this rate %s of the %s budget is gone within %s.' % [
          a.long, a.short, factor, lib.percent(a.budgetConsumed), c.period, a.long,
        ] + (if split == 'ticket' then blast.topClientSentence(lib.scaled(c, a.long), a.long) else ''),
        { slo: slo.name, long_window: a.long, short_window: a.short } + (if split == 'ticket' then blast.ticketLabels else {}),
      ),

    groups+: [{
      name: 'hmac-auth-slo-burn',
      rules: std.flattenArrays([
        if blast.applies(c, slo, a) then [rule(slo, a, 'page'), rule(slo, a, 'ticket')] else [rule(slo, a)]
        for slo in c.slos
        for a in c.alerting.burnRate
      ]),
    }],
  },
}
