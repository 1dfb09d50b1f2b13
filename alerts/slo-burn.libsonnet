// Multiwindow multi-burn-rate alerts (SRE workbook, ch. 5), one rule per SLO and per entry of
// `alerting.burnRate`. The factor is derived, never typed: budgetConsumed × period ÷ long window
// (2 % of a 30d budget in 1h → 14.4×; the same 2 % of a 28d budget → 13.44×). Both windows must burn
// faster than the factor: the long one proves it matters, the short one that it is still happening.
// `max by (job, slo)` collapses a duplicate copy of the series (the collector's own gauges scraped
// next to these rules) into one alert.
local lib = import '../rules/lib.libsonnet';

{
  prometheusAlerts+:: {
    local c = $._config,
    local S = c.contract.sloSeries,
    local burn(slo, w) = 'max by (job, slo) (%s{slo="%s",window="%s"})' % [S.burnRate, slo.name, w],

    local rule(slo, a) =
      local factor = lib.num(a.budgetConsumed * lib.seconds(c.period) / lib.seconds(a.long));
      lib.alert(
        c,
        'ErrorBudgetBurn',
        a.severity,
        '%s > %s\nand\n%s > %s' % [burn(slo, a.long), factor, burn(slo, a.short), factor],
        null,
        'An HMAC auth SLO is burning its error budget too fast.',
        '{{ $labels.job }} is burning the {{ $labels.slo }} error budget {{ $value | humanize }}× faster than sustainable ' +
        'over the last %s (and still over %s; alert threshold %s×): at this rate %s of the %s budget is gone within %s.' % [
          a.long, a.short, factor, lib.percent(a.budgetConsumed), c.period, a.long,
        ],
        { slo: slo.name, long_window: a.long, short_window: a.short },
      ),

    groups+: [{
      name: 'hmac-auth-slo-burn',
      rules: [rule(slo, a) for slo in c.slos for a in c.alerting.burnRate],
    }],
  },
}
