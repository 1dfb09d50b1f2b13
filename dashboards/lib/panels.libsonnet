// Grafana panel, variable and dashboard constructors for the hmac-slo dashboards (schema of Grafana
// 10/11: `fieldConfig.defaults.unit`, `templating.list`, `links`). Every panel is built with a
// title, a description and a unit, and queries the templated `$datasource`, so the lint test
// (test/mixin/dashboards-lint.test.ts) holds by construction. Layout is computed: panels carry a
// width and height and `layout` packs them left to right, top to bottom, on Grafana's 24-column grid.
{
  datasource:: { type: 'prometheus', uid: '${datasource}' },

  // One Prometheus query. `exemplar` asks Grafana for the exemplars of histogram buckets (linked to
  // traces through the datasource's exemplar settings, see docs/dashboards.md).
  target(expr, legend='', instant=false, format=null, exemplar=false):: {
    datasource: $.datasource,
    expr: expr,
    legendFormat: legend,
    range: !instant,
    instant: instant,
    exemplar: exemplar,
    editorMode: 'code',
  } + (if format == null then {} else { format: format }),

  // Threshold steps from [color, value] pairs; the first pair's value is ignored (the base step).
  thresholds(steps):: {
    mode: 'absolute',
    steps: [{ color: steps[0][0], value: null }] + [{ color: s[0], value: s[1] } for s in steps[1:]],
  },

  local refIds(targets) = [targets[i] { refId: std.char(65 + i) } for i in std.range(0, std.length(targets) - 1)],

  // Fields every data panel shares.
  panel(type, title, description, unit, targets, w, h, thresholds=null, decimals=null, min=null, max=null):: {
    type: type,
    title: title,
    description: description,
    datasource: $.datasource,
    targets: refIds(targets),
    fieldConfig: {
      defaults: {
        unit: unit,
        thresholds: if thresholds == null then $.thresholds([['green', null]]) else thresholds,
        color: { mode: if thresholds == null then 'palette-classic' else 'thresholds' },
        mappings: [],
      } + (if decimals == null then {} else { decimals: decimals })
      + (if min == null then {} else { min: min })
      + (if max == null then {} else { max: max }),
      overrides: [],
    },
    options: {},
    gridPos: { w: w, h: h },
  },

  // Time series. With thresholds, they are drawn as dashed lines (objective, alert threshold).
  timeseries(title, description, unit, targets, w=12, h=8, thresholds=null, stack=false, decimals=null, min=null, max=null)::
    $.panel('timeseries', title, description, unit, targets, w, h, thresholds, decimals, min, max) {
      fieldConfig+: {
        defaults+: {
          color: { mode: 'palette-classic' },
          custom: {
            drawStyle: 'line',
            lineWidth: 1,
            fillOpacity: if stack then 30 else 10,
            showPoints: 'never',
            spanNulls: false,
            stacking: { mode: if stack then 'normal' else 'none', group: 'A' },
            thresholdsStyle: { mode: if thresholds == null then 'off' else 'dashed' },
          },
        },
      },
      options: {
        legend: { displayMode: 'table', placement: 'bottom', showLegend: true, calcs: ['mean', 'max', 'lastNotNull'] },
        tooltip: { mode: 'multi', sort: 'desc' },
      },
    },

  // One big number per series, coloured by thresholds.
  stat(title, description, unit, targets, w=6, h=4, thresholds=null, decimals=null, reduce='lastNotNull')::
    $.panel('stat', title, description, unit, targets, w, h, thresholds, decimals) {
      options: {
        reduceOptions: { calcs: [reduce], fields: '', values: false },
        colorMode: 'background',
        graphMode: 'area',
        justifyMode: 'auto',
        orientation: 'auto',
        textMode: 'value_and_name',
      },
    },

  // Horizontal bars, one per series, coloured by thresholds.
  bargauge(title, description, unit, targets, w=12, h=8, thresholds=null, decimals=null, min=null, max=null)::
    $.panel('bargauge', title, description, unit, targets, w, h, thresholds, decimals, min, max) {
      options: {
        reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
        displayMode: 'gradient',
        orientation: 'horizontal',
        showUnfilled: true,
      },
    },

  // A table of instant queries (format table), joined on their labels by `merge`; `columns` renames
  // the value columns (`Value` for one query, `Value #A` … for several), `hide` drops columns (the
  // timestamps always).
  table(title, description, unit, targets, w=24, h=8, columns={}, thresholds=null, sortBy=null, hide=[])::
    $.panel('table', title, description, unit, targets, w, h, thresholds) {
      options: {
        showHeader: true,
        cellHeight: 'sm',
        footer: { show: false, reducer: ['sum'], fields: '' },
      } + (if sortBy == null then {} else { sortBy: [{ displayName: sortBy, desc: true }] }),
      transformations: [
        { id: 'merge', options: {} },
        { id: 'organize', options: { excludeByName: { Time: true } + { [h]: true for h in hide }, renameByName: columns, indexByName: {} } },
      ],
    },

  // A heatmap of pre-bucketed Prometheus histograms (format heatmap, `le` as the y axis), with
  // exemplars drawn on top.
  heatmap(title, description, unit, targets, w=12, h=8, cellUnit='reqps')::
    $.panel('heatmap', title, description, unit, targets, w, h) {
      options: {
        calculate: false,
        cellGap: 1,
        color: { mode: 'scheme', scheme: 'Oranges', fill: 'dark-orange', scale: 'exponential', exponent: 0.5, steps: 64, reverse: false },
        yAxis: { axisPlacement: 'left', unit: unit, reverse: false },
        cellValues: { unit: cellUnit },
        rowsFrame: { layout: 'auto' },
        filterValues: { le: 1e-9 },
        tooltip: { mode: 'single', yHistogram: true, showColorScale: true },
        legend: { show: true },
        exemplars: { color: 'rgba(255,0,255,0.7)' },
      },
    },

  // Markdown with links (template variables are interpolated by Grafana). No query, so no unit:
  // the lint test lists text panels as the one exception to panel-units-rule.
  text(title, description, content, w=12, h=4):: {
    type: 'text',
    title: title,
    description: description,
    options: { mode: 'markdown', content: content },
    gridPos: { w: w, h: h },
  },

  // --- variables -------------------------------------------------------------------------------

  datasourceVariable:: {
    name: 'datasource',
    label: 'Data source',
    type: 'datasource',
    query: 'prometheus',
    current: {},
    hide: 0,
    refresh: 1,
    regex: '',
    options: [],
  },

  // A label-values variable; `all` = multi-select with "All" meaning any value: `allValue` is the
  // regex sent for All (`.+`; `.*` also matches series without the label).
  queryVariable(name, label, query, all=true, allValue='.+'):: {
    name: name,
    label: label,
    type: 'query',
    datasource: $.datasource,
    query: query,
    definition: query,
    refresh: 2,
    sort: 1,
    regex: '',
    hide: 0,
    multi: all,
    includeAll: all,
    current: if all then { selected: true, text: ['All'], value: ['$__all'] } else {},
    options: [],
  } + (if all then { allValue: allValue } else {}),

  textboxVariable(name, label, value):: {
    name: name,
    label: label,
    type: 'textbox',
    query: value,
    current: { selected: false, text: value, value: value },
    options: [{ selected: true, text: value, value: value }],
    hide: 0,
  },

  // --- dashboard -------------------------------------------------------------------------------

  // Packs panels on the 24-column grid in order and numbers them.
  layout(panels)::
    local step(acc, p) =
      local w = p.gridPos.w;
      local wrap = acc.x + w > 24;
      local x = if wrap then 0 else acc.x;
      local y = if wrap then acc.y + acc.rowH else acc.y;
      local rowH = if wrap then p.gridPos.h else std.max(acc.rowH, p.gridPos.h);
      {
        x: x + w,
        y: y,
        rowH: rowH,
        panels: acc.panels + [p { id: std.length(acc.panels) + 1, gridPos: { x: x, y: y, w: w, h: p.gridPos.h } }],
      };
    std.foldl(step, panels, { x: 0, y: 0, rowH: 0, panels: [] }).panels,

  // Links to the other dashboards, carrying the time range and the variables along.
  link(title, uid, tooltip):: {
    title: title,
    type: 'link',
    url: '/d/%s' % uid,
    icon: 'dashboard',
    tooltip: tooltip,
    includeVars: true,
    keepTime: true,
    targetBlank: false,
    asDropdown: false,
    tags: [],
  },

  dashboard(uid, title, description, tags, variables, links, panels, time='now-6h', refresh='1m'):: {
    uid: uid,
    title: title,
    description: description,
    tags: tags,
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    timezone: '',
    time: { from: time, to: 'now' },
    refresh: refresh,
    annotations: { list: [] },
    links: links,
    templating: { list: variables },
    panels: $.layout(panels),
  },
}
