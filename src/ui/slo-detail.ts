/// <reference lib="dom" />
/**
 * The SLO detail view: one (job, SLO) over a selectable range (1h, 6h, 1d, the period), read from
 * `GET api/slo/detail` (the collector's stored history): the error budget burn-down over the SLO
 * period, burn rates against the alert thresholds, the error ratio against the objective, request
 * and failure rates, and the failures by reason and key ID behind them in the range. "No data" where the
 * collector holds no history. Opened from each SLO card; the open view and its range are kept in the
 * address bar (`detail-job`, `detail-slo`, `range`), so it survives a reload and can be shared.
 */
import type { SloApiResponse, SloDetailResponse, SloStatus } from '../collector/model.js';
import { chart, type ChartRef, type ChartSeries } from './charts.js';
import { el, svg } from './dom.js';
import { durationSeconds, isDuration } from '../config/duration.js';
import { apiUrl, httpHref, formatBurn, formatChartTime, formatClock, formatCount, formatPercent, formatScaledDuration } from './format.js';
import { severityLabel } from './status.js';

/** Chart width in SVG units: at most this, less on a narrow screen (chartWidth) so 10px text stays 10px, not scaled down to 5px. */
const WIDTH = 640;
const MIN_WIDTH = 300;
/** Threshold labels closer than this (SVG units; 10 px text, drawn a little smaller than its box) would overlap. */
const REF_LABEL_GAP = 12;
const HEIGHT = 180;
const DEFAULT_RANGE = '6h';
/** Burn-rate line colours: not red (w3), the colour of the page thresholds they are drawn against. */
const BURN_CLASSES = ['w0', 'w1', 'w2', 'w4'] as const;

type GetJson = <T>(url: string) => Promise<T>;

/** The Grafana dashboard link of a job, when the collector has one configured. */
export function grafanaLink(dashboardUrl: string | undefined, job: string): HTMLAnchorElement | null {
  // http(s) only, checked as for trace links: a `javascript:` URL from a misconfigured or hostile answer is no link.
  if (httpHref(dashboardUrl) === undefined) return null;
  const href = `${dashboardUrl}?${new URLSearchParams({ 'var-job': job }).toString()}`;
  return el('a', { class: 'grafana-link', 'data-field': 'grafana', href, target: '_blank', rel: 'noopener noreferrer' }, 'Grafana ↗');
}

/** The actions under each SLO card: open the detail view, and the Grafana link when configured. */
export function cardActions(slo: Pick<SloStatus, 'job' | 'slo'>, data: Pick<SloApiResponse, 'grafanaDashboardUrl'>): HTMLElement {
  return el(
    'div',
    { class: 'card-actions' },
    el('button', { type: 'button', class: 'open-detail', 'data-action': 'open-detail', 'data-job': slo.job, 'data-slo': slo.slo }, 'Details: budget & burn over time'),
    grafanaLink(data.grafanaDashboardUrl, slo.job),
  );
}

/** What demo or test time means: a collector with timeScale N lives through 30 days in 30/N days. */
export function timeScaleNote(timeScale: number | undefined, period: string | undefined): string {
  if (timeScale === undefined || timeScale === 1) return '';
  const real = (seconds: number) => formatScaledDuration(seconds, timeScale);
  const periodSeconds = period && isDuration(period) ? durationSeconds(period) : undefined;
  return (
    `Compressed time: this collector runs ${timeScale}× faster than real time (config timeScale). ` +
    `Window names are demo time: 5m = ${real(300)}, 1h = ${real(3600)}, 1d = ${real(86400)} of real time` +
    (periodSeconds !== undefined ? `; the "${period}" SLO period is ${real(periodSeconds)}.` : '.')
  );
}

function drawChart(name: string, title: string, series: ChartSeries[], refs: ChartRef[], scale: 'linear' | 'log', format: (v: number) => string, data: SloDetailResponse, width: number): HTMLElement {
  const times = data.points.map((p) => p.t);
  const g = chart({ times, from: data.from, to: data.to, series, refs, scale, width, height: HEIGHT, format });
  const figure = el('figure', { class: 'detail-chart', 'data-chart': name, 'data-has-data': String(g.hasData) }, el('figcaption', {}, title));
  if (!g.hasData) {
    figure.appendChild(el('p', { class: 'no-data', 'data-field': 'no-data' }, 'No data for this range: the collector holds no history of this SLO here.'));
    return figure;
  }
  const box = svg('svg', { viewBox: `0 0 ${width} ${HEIGHT}`, role: 'img', class: 'chart' });
  box.setAttribute('aria-label', title);
  for (const gap of g.noData) {
    if (gap.x1 - gap.x0 < 1) continue;
    box.appendChild(svg('rect', { class: 'no-data-area', x: gap.x0, y: g.plot.y0, width: gap.x1 - gap.x0, height: g.plot.y1 - g.plot.y0 }));
    if (gap.x1 - gap.x0 > 60) {
      const label = svg('text', { class: 'no-data-label', x: (gap.x0 + gap.x1) / 2, y: (g.plot.y0 + g.plot.y1) / 2, 'text-anchor': 'middle' });
      label.textContent = 'no data';
      box.appendChild(label);
    }
  }
  for (const tick of g.yTicks) {
    box.appendChild(svg('line', { class: 'grid', x1: g.plot.x0, x2: g.plot.x1, y1: tick.y, y2: tick.y }));
    const label = svg('text', { class: 'axis', x: g.plot.x0 - 4, y: tick.y + 4, 'text-anchor': 'end' });
    label.textContent = tick.label;
    box.appendChild(label);
  }
  for (const tick of g.xTicks) {
    const label = svg('text', { class: 'axis', x: tick.x, y: HEIGHT - 4, 'text-anchor': tick.x <= g.plot.x0 ? 'start' : tick.x >= g.plot.x1 ? 'end' : 'middle' });
    label.textContent = formatChartTime(tick.t, data.to - data.from);
    box.appendChild(label);
  }
  for (const ref of g.refs) box.appendChild(svg('line', { class: `ref ${ref.cls}`, x1: g.plot.x0, x2: g.plot.x1, y1: ref.y, y2: ref.y }));
  for (const p of g.paths) if (p.d) box.appendChild(svg('path', { class: `series ${p.cls}`, d: p.d, 'data-series': p.name }));
  // Threshold labels last, over the lines, so a series never hides what its threshold is. A label
  // that would overlap the one above it on the right goes to the left end of its line instead.
  let rightY = Number.NEGATIVE_INFINITY;
  for (const ref of [...g.refs].sort((a, b) => a.y - b.y)) {
    const right = ref.y - rightY >= REF_LABEL_GAP;
    if (right) rightY = ref.y;
    const label = svg('text', { class: `ref-label ${ref.cls}`, x: right ? g.plot.x1 - 2 : g.plot.x0 + 2, y: ref.y - 3, 'text-anchor': right ? 'end' : 'start' });
    label.textContent = ref.label;
    box.appendChild(label);
  }
  figure.appendChild(box);
  if (series.length > 1) {
    figure.appendChild(el('p', { class: 'legend' }, ...series.map((s) => el('span', { class: `key ${s.cls}` }, s.name))));
  }
  return figure;
}

/** One row per reason or key ID in the range, with its share; "no data" when the range had none. */
function breakdownTable(caption: string, field: string, rows: readonly { name: string; count: number }[], emptyText: string): HTMLElement {
  const total = rows.reduce((s, r) => s + r.count, 0);
  const body =
    rows.length === 0
      ? [el('tr', {}, el('td', { colspan: '3', class: 'empty', 'data-field': 'no-data' }, emptyText))]
      : rows.map((r) => el('tr', { 'data-row': r.name }, el('td', {}, el('code', {}, r.name)), el('td', { class: 'num' }, formatCount(r.count)), el('td', { class: 'num muted' }, formatPercent(r.count / total, 1))));
  return el(
    'table',
    { class: 'data breakdown', 'data-field': field },
    el('caption', {}, caption),
    el('thead', {}, el('tr', {}, el('th', {}, field === 'by-reason' ? 'Reason' : 'Key ID'), el('th', {}, 'Failures'), el('th', {}, 'Share'))),
    el('tbody', {}, ...body),
  );
}

/** The failures behind the SLO within the selected range (the API counts them from the failure log). */
function renderBreakdown(data: SloDetailResponse): HTMLElement {
  const f = data.failures;
  const span = data.to - data.from;
  const range = data.range === data.period ? `the ${data.range} period` : `the last ${data.range}`;
  const when = `${range} (${formatChartTime(f.from, span)} – ${formatChartTime(f.to, span)})`;
  if (!f.counted) {
    return el('div', { class: 'detail-breakdown', 'data-field': 'failures' }, el('p', { class: 'muted' }, `This SLO's bad events are slow verifications, not failures: there are no failures by reason or key ID to show for it.`));
  }
  // The log keeps the newest failures of each job (its share of the ring): once it reaches back less far than the range, say
  // so — in the headings too, which then name the stretch counted, never the whole range.
  const partial = f.heldFrom !== null && f.heldFrom > f.from;
  const notScoped = Array.isArray(f.notNarrowedBy) ? f.notNarrowedBy.map(String) : [];
  const counted = partial ? `since ${formatChartTime(f.heldFrom!, span)} only` : range;
  const empty = partial ? `No data: no failure of this SLO since ${formatChartTime(f.heldFrom!, span)}` : `No data: no failure of this SLO in ${range}`;
  return el(
    'div',
    { class: 'detail-breakdown', 'data-field': 'failures', 'data-partial': String(partial) },
    el(
      'p',
      { class: 'muted' },
      `Failed requests behind this SLO for ${data.job} ${partial ? `${counted}, not in all of ${when}` : `in ${when}`}, counted from the collector's failure log (the failed spans it received; a trace sampler that drops failed spans lowers these counts).`,
      partial ? el('strong', { 'data-field': 'failures-partial' }, ` The log keeps only this job's newest failures (its share of the collector's ring) and reaches back to ${formatChartTime(f.heldFrom!, span)}: earlier failures in this range are not counted.`) : '',
      notScoped.length > 0
        ? el('strong', { 'data-field': 'failures-not-scoped' }, ` This SLO's scope on ${notScoped.join(', ')} does not narrow these counts: failed spans do not carry ${notScoped.length === 1 ? 'that label' : 'those labels'}, so failures outside the scope are counted too.`)
        : '',
    ),
    breakdownTable(`Failures by reason, ${counted}`, 'by-reason', f.byReason.map((r) => ({ name: r.reason, count: r.count })), empty),
    breakdownTable(`Failures by key ID, ${counted}`, 'by-key', f.byKey.map((k) => ({ name: k.keyId, count: k.count })), empty),
  );
}

/** The charts' width for a view `available` CSS pixels wide (one chart a row on a phone). */
export function chartWidth(available: number): number {
  return Number.isFinite(available) && available > 0 ? Math.round(Math.min(WIDTH, Math.max(MIN_WIDTH, available))) : WIDTH;
}

export function renderDetail(data: SloDetailResponse, grafanaDashboardUrl: string | undefined, width = WIDTH): HTMLElement[] {
  const allowed = 1 - data.objective;
  const stepSeconds = data.stepMs / 1000;
  const points = data.points;
  const perSecond = (v: number | null) => (v === null ? null : v / stepSeconds);
  const longWindows = [...new Set(data.burnAlerts.map((a) => a.long))];
  const burnSeries: ChartSeries[] = longWindows.map((w, i) => ({ name: `burn ${w}`, cls: BURN_CLASSES[i % BURN_CLASSES.length]!, values: points.map((p) => p.burn[w] ?? null) }));
  const burnRefs: ChartRef[] = data.burnAlerts.map((a) => ({
    value: a.factor,
    cls: a.severity === 'critical' ? 'page' : 'ticket',
    label: `${severityLabel(a.severity)} ${a.long}/${a.short} > ${formatBurn(a.factor)}`,
  }));
  const burnNow = longWindows.map((w) => `${w} ${formatBurn(points.at(-1)?.burn[w] ?? null)}`).join(', ');

  const head = el(
    'header',
    { class: 'detail-head' },
    el('h2', { id: 'detail-heading' }, el('span', { 'data-field': 'slo' }, data.slo), ' ', el('span', { class: 'job-name', 'data-field': 'job' }, data.job)),
    el('div', { class: 'detail-actions' }, grafanaLink(grafanaDashboardUrl, data.job), el('button', { type: 'button', 'data-action': 'close-detail' }, 'Close')),
  );
  const intro = el(
    'p',
    { class: 'desc' },
    data.description ? `${data.description} ` : '',
    `Objective ${formatPercent(data.objective, 3)} over ${data.period} (error budget: ${formatPercent(allowed, 3)} of events)`,
    data.timeScale !== 1 ? `; times are compressed ${data.timeScale}× (see the note above).` : '.',
  );
  const ranges = el(
    'div',
    { class: 'ranges', role: 'group', 'aria-label': 'Range' },
    'Range ',
    ...data.ranges.map((r) => el('button', { type: 'button', 'data-action': 'range', 'data-range': r, 'aria-pressed': String(r === data.range) }, r === data.period ? `${r} (period)` : r)),
  );
  const history =
    data.historyFrom === null
      ? 'The collector holds no history of this SLO yet.'
      : data.historyFrom > data.from
        ? `History starts at ${data.to - data.from >= 86_400_000 ? formatChartTime(data.historyFrom, data.to - data.from) : formatClock(data.historyFrom)}: earlier is shaded "no data".`
        : '';
  const charts = el(
    'div',
    { class: 'detail-charts' },
    drawChart(
      'budget',
      `Error budget remaining over the ${data.period} period ending at each time (burn-down); below 0 = overspent`,
      [{ name: 'budget remaining', cls: 'w0', values: points.map((p) => p.budgetRemaining) }],
      [{ value: 0, label: 'budget spent', cls: 'page' }],
      'linear',
      (v) => formatPercent(v, 0),
      data,
      width,
    ),
    drawChart('burn', `Burn rate over the alert windows (log scale; now: ${burnNow}); lines: alert thresholds`, burnSeries, burnRefs, 'log', formatBurn, data, width),
    drawChart(
      'error-ratio',
      `Error ratio per step (${formatStep(data.stepMs, data.timeScale)}) against the objective`,
      [{ name: 'error ratio', cls: 'w0', values: points.map((p) => p.errorRatio) }],
      [{ value: allowed, label: `allowed ${formatPercent(allowed, 3)}`, cls: 'ticket' }],
      'linear',
      (v) => formatPercent(v, v < 0.01 ? 2 : 0),
      data,
      width,
    ),
    drawChart(
      'rates',
      'Requests and failures per second (real seconds)',
      [
        { name: 'events/s', cls: 'w1', values: points.map((p) => perSecond(p.events)) },
        { name: 'bad events/s', cls: 'w3', values: points.map((p) => perSecond(p.badEvents)) },
      ],
      [],
      'linear',
      (v) => (v >= 10 ? String(Math.round(v)) : String(Number(v.toFixed(2)))),
      data,
      width,
    ),
  );
  const breakdown = renderBreakdown(data);
  return [head, intro, ranges, ...(history ? [el('p', { class: 'muted' }, history)] : []), charts, breakdown];
}

function formatStep(stepMs: number, timeScale: number): string {
  const demoSeconds = (stepMs * timeScale) / 1000;
  return demoSeconds < 120 ? `${Math.round(demoSeconds)} s` : demoSeconds < 7200 ? `${Math.round(demoSeconds / 60)} min` : `${Number((demoSeconds / 3600).toFixed(1))} h`;
}

/** The view's state (in the address bar) and its rendering into `#slo-detail`. */
export class SloDetailView {
  private job = '';
  private slo = '';
  private range = DEFAULT_RANGE;
  private grafanaDashboardUrl: string | undefined;

  constructor(
    private readonly root: HTMLElement,
    private readonly getJson: GetJson,
  ) {
    const params = new URLSearchParams(location.search);
    this.job = params.get('detail-job') ?? '';
    this.slo = params.get('detail-slo') ?? '';
    this.range = params.get('range') ?? DEFAULT_RANGE;
    root.addEventListener('click', (e) => {
      const button = (e.target as Element).closest<HTMLElement>('button[data-action]');
      if (button?.dataset.action === 'close-detail') this.close();
      if (button?.dataset.action === 'range' && button.dataset.range) {
        this.range = button.dataset.range;
        this.writeLocation();
        void this.refresh();
      }
    });
  }

  get isOpen(): boolean {
    return this.job !== '' && this.slo !== '';
  }

  /** Opens from a card's button (event delegation on the cards container). */
  attach(cards: HTMLElement): void {
    cards.addEventListener('click', (e) => {
      const button = (e.target as Element).closest<HTMLElement>('button[data-action="open-detail"]');
      if (!button?.dataset.job || !button.dataset.slo) return;
      this.job = button.dataset.job;
      this.slo = button.dataset.slo;
      this.writeLocation();
      void this.refresh().then(() => this.root.scrollIntoView({ block: 'start' }));
    });
  }

  close(): void {
    this.job = '';
    this.slo = '';
    this.writeLocation();
    this.root.hidden = true;
    this.root.replaceChildren();
    delete this.root.dataset.job;
    delete this.root.dataset.slo;
  }

  /** Called with every page refresh (and on open or a range change). */
  async refresh(grafanaDashboardUrl?: string): Promise<void> {
    if (grafanaDashboardUrl !== undefined) this.grafanaDashboardUrl = grafanaDashboardUrl || undefined;
    if (!this.isOpen) {
      this.root.hidden = true;
      return;
    }
    const [job, slo, range] = [this.job, this.slo, this.range];
    this.root.hidden = false;
    this.root.dataset.job = job;
    this.root.dataset.slo = slo;
    try {
      const data = await this.getJson<SloDetailResponse>(apiUrl('api/slo/detail', { job, slo, range }));
      if (job !== this.job || slo !== this.slo || range !== this.range) return; // superseded
      // The view's inner width (padding 16 px a side): on a phone the charts are drawn that wide.
      this.root.replaceChildren(...renderDetail(data, this.grafanaDashboardUrl, chartWidth(this.root.clientWidth - 32)));
      this.root.dataset.range = data.range;
      this.root.dataset.renders = String(Number(this.root.dataset.renders ?? 0) + 1);
    } catch (err) {
      if (job !== this.job || slo !== this.slo || range !== this.range) return; // superseded
      // A range this collector does not offer (a link from a collector with another period, a typo):
      // the default range instead of an error with no range buttons to leave it by.
      if (range !== DEFAULT_RANGE && err instanceof Error && /: HTTP 400\b/.test(err.message)) {
        this.range = DEFAULT_RANGE;
        this.writeLocation();
        return this.refresh();
      }
      this.root.replaceChildren(
        el('header', { class: 'detail-head' }, el('h2', { id: 'detail-heading' }, `${slo} `, el('span', { class: 'job-name' }, job)), el('button', { type: 'button', 'data-action': 'close-detail' }, 'Close')),
        el('p', { class: 'no-data', 'data-field': 'no-data' }, `No data: ${err instanceof Error ? err.message : String(err)}`),
      );
      this.root.dataset.range = range;
    }
  }

  private writeLocation(): void {
    const url = new URL(location.href);
    const set = (key: string, value: string) => (value ? url.searchParams.set(key, value) : url.searchParams.delete(key));
    set('detail-job', this.job);
    set('detail-slo', this.slo);
    set('range', this.isOpen ? this.range : '');
    history.replaceState(null, '', url);
  }
}
