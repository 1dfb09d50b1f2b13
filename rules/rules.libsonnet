// Recording rules: per SLO, the SLO series of the contract (SLO_SERIES, `level:metric:operations`
// names, labels `job`, `slo`, `window`). These rules are their only producer: the hmac-slo collector
// serves its own SLO engine through /api/slo, never under these names. Windows come resolved from
// config.json (`contract.sloWindows`), written by `hmac-slo generate`.
//
// How each window is computed (docs/alerts.md "How the SLO series are computed"):
// - base: `increase` of bad and total events over 5m, per job, recorded as intermediate series;
// - windows up to `recordingRawMaxWindow` (6h): straight from the raw counters, exact;
// - longer windows (1d, 3d, the period): `sum_over_time` of the recorded 5m increases. Every sample
//   over-counts by the same factor (5m ÷ evaluation interval) in numerator and denominator, so the
//   ratio is the traffic-weighted error ratio, read from one small series per job instead of every
//   raw series over 30 days. Cost: those windows only cover the time since the rules were loaded.
// - a window with no events has no ratio (no series: `lib.perEvent`), never 0 and never NaN; so it
//   has no burn rate, the period none and no budget remaining, and burn-rate alerts cannot fire on it.
local lib = import 'lib.libsonnet';

{
  // `_config.recordingRawMaxWindow` (config.libsonnet): windows longer than this are computed from
  // the recorded 5m increases (see above).
  prometheusRules+:: {
    local c = $._config,
    local S = c.contract.sloSeries,
    local windows = lib.windows(c),
    local base = lib.scaled(c, lib.baseWindow),

    local sloGroup(slo) = {
      local sli = lib.sli(c, slo),
      local q = '{slo="%s"}' % slo.name,
      local ratio(w) =
        if w == lib.baseWindow then
          lib.perEvent(lib.baseBad + q, lib.baseTotal + q)
        else if lib.seconds(w) <= lib.seconds(c.recordingRawMaxWindow) then
          lib.perEvent(sli.bad(lib.scaled(c, w)), sli.total(lib.scaled(c, w)))
        else
          lib.perEvent(
            'sum_over_time(%s%s[%s])' % [lib.baseBad, q, lib.scaled(c, w)],
            'sum_over_time(%s%s[%s])' % [lib.baseTotal, q, lib.scaled(c, w)],
          ),
      local budget = '(1 - %s)' % lib.num(slo.objective),

      name: 'hmac-slo-%s' % slo.name,
      rules:
        [
          { record: lib.baseTotal, expr: sli.total(base), labels: { slo: slo.name } },
          { record: lib.baseBad, expr: sli.bad(base), labels: { slo: slo.name } },
        ] +
        [
          { record: S.errorRatio, expr: ratio(w), labels: { slo: slo.name, window: w } }
          for w in windows
        ] +
        [
          {
            record: S.burnRate,
            expr: '%s{slo="%s",window="%s"} / %s' % [S.errorRatio, slo.name, w, budget],
            labels: { slo: slo.name, window: w },
          }
          for w in windows
        ] +
        [
          {
            // 1 = untouched, 0 = spent, < 0 = overspent over the period.
            record: S.errorBudgetRemaining,
            expr: '1 - sum without (window) (%s{slo="%s",window="%s"})' % [S.burnRate, slo.name, c.period],
            labels: { slo: slo.name },
          },
          { record: S.objective, expr: 'vector(%s)' % lib.num(slo.objective), labels: { slo: slo.name } },
        ],
    },

    groups+: [sloGroup(slo) for slo in c.slos],
  },
}
