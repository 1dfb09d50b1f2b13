/// <reference lib="dom" />
/**
 * The status page's browser script. It reads the collector's JSON APIs (same origin, relative URLs
 * so the page also works behind a path-prefixing proxy) and renders SLO cards, the key-rotation
 * table and the recent failures, refreshing every few seconds.
 *
 * Safety: every string from the APIs reaches the DOM as a text node or an attribute value set through
 * the DOM API, never as HTML, so a job, key ID or reason containing markup is shown, not run. The page
 * loads nothing from other origins (the collector also sends a CSP that forbids it).
 *
 * Bundled for the browser ahead of time by scripts/build-ui.mjs (esbuild, at build time); serve.ts
 * only serves the result.
 */
import { FAILURE_REASON_NAMES } from '@hmac-slo/instrumentation/contract';
import type {
  FailuresApiResponse,
  KeysApiResponse,
  SloApiResponse,
  SloHistoryResponse,
  SloStatus,
} from '../collector/model.js';
import { alertConditions, severityLabel, statusColour, thresholdsFor, type BurnAlert, type StatusColour } from './status.js';
import { apiUrl, formatBudget, formatBurn, formatClock, formatCount, formatElapsed, formatErrorRatio, formatPercent, formatScope } from './format.js';
import { sparkline } from './sparkline.js';
import { append, el, svg, type Child } from './dom.js';
import { cardActions, SloDetailView, timeScaleNote } from './slo-detail.js';
import { causeContent, renderCauseSummary, traceIdContent } from './failure-causes-view.js';

/** Refresh period: 5 s, or `?refresh=SECONDS` (1–300) for a wall screen or a quick test. */
const REFRESH_MS = refreshMsFromLocation();
const REQUEST_TIMEOUT_MS = 4000;
const FAILURE_LIMIT = 50;
/** Burn-rate windows shown on each card (the page/ticket alert windows of the default config). */
const BURN_WINDOWS = ['1h', '6h'] as const;
const SPARK_WIDTH = 300;
const SPARK_HEIGHT = 48;
const COLOUR_LABEL: Record<StatusColour, string> = { red: 'PAGE', amber: 'TICKET', green: 'OK' };

// ---------------------------------------------------------------- DOM helpers (text only, no HTML)

function byId<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`status page markup lacks #${id}`);
  return node as T;
}

/** A table cell that keeps its column name for the stacked phone layout (CSS `attr(data-label)`). */
function cell(label: string, field: string, ...children: Child[]): HTMLTableCellElement {
  // One wrapper, so the stacked layout's two-column grid sees exactly [label, value].
  return el('td', { 'data-label': label, 'data-field': field }, el('span', { class: 'cell-value' }, ...children));
}

/**
 * One row (card, table row, group) of API data, rendered on its own: a row the page cannot render
 * (a malformed or unexpected value) is replaced by `unshown(reason)`, a row saying so, and every other
 * row still renders — one bad row must not blank its whole section.
 */
function eachRow<T, N extends Node>(items: readonly T[], render: (item: T) => N, unshown: (reason: string) => N): N[] {
  return items.map((item) => {
    try {
      return render(item);
    } catch (err) {
      console.warn('status page: a row could not be shown', err);
      return unshown(err instanceof Error ? err.message : String(err));
    }
  });
}

/** The stand-in for a table row that could not be rendered. */
function unshownRow(what: string, columns: number): (reason: string) => HTMLTableRowElement {
  return (reason) => el('tr', { class: 'row-error', 'data-unshown': what }, el('td', { colspan: String(columns), class: 'empty' }, `This ${what} could not be shown (${reason})`));
}

/** Runs `f` for each item, skipping items it throws on (bookkeeping that must not stop the render). */
function forEachSafely<T>(items: readonly T[], f: (item: T) => void): void {
  for (const item of items) {
    try {
      f(item);
    } catch {
      // the item's own row says it could not be shown
    }
  }
}

// ---------------------------------------------------------------- fetching

class ApiError extends Error {}

/** The collector's error answers are `{ "error": "…" }`: the message, not the JSON around it. */
function errorText(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    const error = parsed !== null && typeof parsed === 'object' ? (parsed as { error?: unknown }).error : undefined;
    return typeof error === 'string' ? error : body;
  } catch {
    return body;
  }
}

async function getJson<T>(url: string): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
  try {
    let res: Response;
    try {
      res = await fetch(url, { signal: controller.signal, headers: { accept: 'application/json' }, cache: 'no-store' });
    } catch (err) {
      throw new ApiError(`GET ${url}: ${controller.signal.aborted ? `no answer within ${REQUEST_TIMEOUT_MS / 1000} s` : 'collector unreachable'}`, { cause: err });
    }
    if (!res.ok) {
      const body = errorText((await res.text().catch(() => '')).slice(0, 200));
      throw new ApiError(`GET ${url}: HTTP ${res.status}${body ? ` — ${body}` : ''}`);
    }
    try {
      return (await res.json()) as T;
    } catch (err) {
      throw new ApiError(`GET ${url}: the answer is not JSON`, { cause: err });
    }
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------- state

interface Filters {
  job: string;
  reason: string;
}

const state = {
  filters: readFiltersFromLocation(),
  lastSuccessMs: undefined as number | undefined,
  inFlight: false,
  /** A refresh was asked for (e.g. a filter changed) while one was running: run again after it. */
  rerun: false,
  timer: undefined as ReturnType<typeof setTimeout> | undefined,
  knownJobs: new Set<string>(),
  /** The API accepts only the contract's reasons and `other` (a reason the collector replaced), so those are the choices. */
  knownReasons: new Set<string>([...FAILURE_REASON_NAMES, 'other']),
};

function refreshMsFromLocation(): number {
  const seconds = Number(new URLSearchParams(location.search).get('refresh'));
  return Number.isFinite(seconds) && seconds >= 1 && seconds <= 300 ? seconds * 1000 : 5000;
}

function readFiltersFromLocation(): Filters {
  const params = new URLSearchParams(location.search);
  return { job: params.get('job') ?? '', reason: params.get('reason') ?? '' };
}

/** Keeps the filters in the address bar, so a filtered view can be reloaded or shared. */
function writeFiltersToLocation(filters: Filters): void {
  const url = new URL(location.href);
  for (const key of ['job', 'reason'] as const) {
    if (filters[key]) url.searchParams.set(key, filters[key]);
    else url.searchParams.delete(key);
  }
  history.replaceState(null, '', url);
}

// ---------------------------------------------------------------- SLO cards

function renderSummary(slos: readonly SloStatus[], burnAlerts: readonly BurnAlert[], noData = 0): void {
  const counts: Record<StatusColour, number> = { red: 0, amber: 0, green: 0 };
  let quiet = 0;
  // A pair without events over the period has no data either: counted with the SLOs without series, not as ok.
  forEachSafely(slos, (slo) => (slo.sli === null ? (quiet += 1) : (counts[statusColour(slo, burnAlerts)] += 1)));
  noData += quiet;
  const summary = byId('summary');
  summary.replaceChildren(
    el('span', { class: 'pill status-red', 'data-field': 'count-red' }, `${counts.red} paging`),
    ' ',
    el('span', { class: 'pill status-amber', 'data-field': 'count-amber' }, `${counts.amber} ticket`),
    ' ',
    el('span', { class: 'pill status-green', 'data-field': 'count-green' }, `${counts.green} ok`),
    // SLOs without data are not "ok": counted apart (only when there are some).
    ...(noData > 0 ? [' ', el('span', { class: 'pill status-nodata', 'data-field': 'count-nodata' }, `${noData} no data`)] : []),
  );
}

function renderCard(slo: SloStatus, burnAlerts: readonly BurnAlert[], history: SloHistoryResponse | undefined, timeScale = 1): HTMLElement {
  const colour = statusColour(slo, burnAlerts);
  // No events over the period: no SLI or budget (null), shown as "no data", never as 100 %.
  const quiet = slo.sli === null;
  const periodWindow = slo.windows.find((w) => w.window === slo.period);
  const budget = slo.errorBudgetRemaining;
  const budgetWidth = `${Math.max(0, Math.min(1, budget ?? 0)) * 100}%`;
  const budgetFill = el('div', { class: 'fill' });
  budgetFill.style.width = budgetWidth;

  const card = el(
    'article',
    { class: `card status-${quiet ? 'nodata' : colour}`, 'data-job': slo.job, 'data-slo': slo.slo, 'data-status': quiet ? 'no-data' : colour },
    el(
      'header',
      { class: 'card-head' },
      el('h3', {}, el('span', { class: 'slo-name', 'data-field': 'slo' }, slo.slo), el('span', { class: 'job-name', 'data-field': 'job' }, slo.job)),
      quiet
        ? el('span', { class: 'pill status-nodata', 'data-field': 'status' }, 'NO DATA')
        : el('span', { class: `pill status-${colour}`, 'data-field': 'status' }, COLOUR_LABEL[colour]),
    ),
    slo.description ? el('p', { class: 'desc' }, slo.description) : null,
    renderScope(slo),
    el(
      'dl',
      { class: 'figures' },
      el('div', {}, el('dt', {}, 'Objective'), el('dd', { 'data-field': 'objective' }, formatPercent(slo.objective, 3))),
      el('div', {}, el('dt', {}, `SLI (${slo.period})`), el('dd', { 'data-field': 'sli' }, formatPercent(slo.sli, 3))),
      el('div', {}, el('dt', {}, `Events (${slo.period})`), el('dd', { 'data-field': 'events' }, periodWindow ? formatCount(periodWindow.events) : '–')),
    ),
    el(
      'div',
      { class: 'budget' },
      el('div', { class: 'budget-label' }, 'Error budget remaining ', el('strong', { 'data-field': 'budget' }, formatBudget(budget))),
      // No budget (no events over the period): an outlined bar, not an empty one that reads as spent.
      el('div', { class: budget === null ? 'bar nodata' : 'bar', role: 'img', 'aria-label': `error budget remaining ${formatBudget(budget)}` }, budgetFill),
    ),
    renderBurnTable(slo, burnAlerts),
    renderAlertList(slo, burnAlerts),
    renderSparkline(slo, history, timeScale),
  );
  return card;
}

/** What a scoped SLO covers (nothing for an SLO that covers every series). */
function renderScope(slo: Pick<SloStatus, 'scope'>): HTMLElement | null {
  return slo.scope ? el('p', { class: 'desc scope', 'data-field': 'scope' }, `Scope: ${formatScope(slo.scope)}`) : null;
}

/** An SLO without series in its scope: no SLI, budget or burn rate to show, and never 100 %. */
function renderNoDataCard(slo: NonNullable<SloApiResponse['noData']>[number]): HTMLElement {
  return el(
    'article',
    { class: 'slo-nodata', 'data-slo': slo.slo, 'data-status': 'no-data' },
    el(
      'header',
      { class: 'card-head' },
      el('h3', {}, el('span', { class: 'slo-name', 'data-field': 'slo' }, slo.slo), el('span', { class: 'job-name' }, 'no job')),
      el('span', { class: 'pill status-nodata', 'data-field': 'status' }, 'NO DATA'),
    ),
    slo.description ? el('p', { class: 'desc' }, slo.description) : null,
    renderScope(slo),
    el('p', { class: 'desc', 'data-field': 'sli' }, `No data: no series in this SLO's scope, so no SLI, budget or burn rate (objective ${formatPercent(slo.objective, 3)}).`),
  );
}

const SEVERITY_ORDER: Record<StatusColour, number> = { red: 0, amber: 1, green: 2 };
const cardKey = (job: string, slo: string) => `${job}\u0000${slo}`;

/** Paging cards first, then tickets, then the rest (API order within each); open details stay open. */
function renderCards(data: SloApiResponse, histories: readonly (SloHistoryResponse | undefined)[]): void {
  const container = byId('slo-cards');
  const noData = eachRow(data.noData ?? [], renderNoDataCard, (reason) => el('p', { class: 'empty' }, `An SLO without data could not be shown (${reason})`));
  if (data.slos.length === 0) {
    container.replaceChildren(el('p', { class: 'muted empty' }, 'No SLOs yet: waiting for the first push.'), ...noData);
    return;
  }
  const open = new Set(
    [...container.querySelectorAll('article.card details[open]')].map((d) => {
      const card = d.closest<HTMLElement>('article.card');
      return cardKey(card?.dataset.job ?? '', card?.dataset.slo ?? '');
    }),
  );
  // A card whose colour cannot be worked out sorts last, where its "could not be shown" card goes;
  // a pair without data just before it.
  const order = (s: SloStatus): number => {
    if (s.sli === null) return 2.5;
    try {
      return SEVERITY_ORDER[statusColour(s, data.burnAlerts)];
    } catch {
      return 3;
    }
  };
  const sorted = data.slos.map((s, i) => ({ s, history: histories[i], order: order(s), i })).sort((a, b) => a.order - b.order || a.i - b.i);
  const cards = eachRow(
    sorted,
    ({ s, history }) => {
      const card = renderCard(s, data.burnAlerts, history, data.timeScale);
      card.appendChild(cardActions(s, data));
      if (open.has(cardKey(s.job, s.slo))) card.querySelector('details')?.setAttribute('open', '');
      return card;
    },
    (reason) => el('article', { class: 'card card-error', 'data-unshown': 'SLO' }, el('p', { class: 'empty' }, `This SLO could not be shown (${reason})`)),
  );
  container.replaceChildren(...cards, ...noData);
}

function renderBurnTable(slo: SloStatus, burnAlerts: readonly BurnAlert[]): HTMLElement {
  const rows = BURN_WINDOWS.map((window) => {
    const w = slo.windows.find((x) => x.window === window);
    const { page, ticket } = thresholdsFor(window, burnAlerts);
    const burn = w?.burnRate ?? null;
    const over = burn !== null && page !== undefined && burn > page ? 'over-page' : burn !== null && ticket !== undefined && burn > ticket ? 'over-ticket' : '';
    return el(
      'tr',
      { 'data-window': window, class: over || undefined },
      el('th', { scope: 'row' }, `Burn ${window}`),
      el('td', { 'data-field': 'burn' }, w ? formatBurn(w.burnRate) : '–'),
      el('td', { 'data-field': 'page-threshold', class: 'muted' }, page !== undefined ? `page > ${formatBurn(page)}` : ''),
      el('td', { 'data-field': 'ticket-threshold', class: 'muted' }, ticket !== undefined ? `ticket > ${formatBurn(ticket)}` : ''),
    );
  });
  return el('table', { class: 'burn' }, el('tbody', {}, ...rows));
}

/** One line per configured multiwindow alert, so the card's colour is explained, not just shown. */
function renderAlertList(slo: SloStatus, burnAlerts: readonly BurnAlert[]): HTMLElement {
  const items = alertConditions(slo, burnAlerts).map((c) => {
    // A window without events has no burn rate: "no data" as everywhere on the page, and the line
    // greyed out, so a condition that cannot be evaluated does not read as a quiet (OK) one.
    const noData = c.longBurn === undefined || c.shortBurn === undefined;
    return el(
      'li',
      { class: c.holds ? `holds sev-${c.alert.severity}` : noData ? 'nodata' : undefined, 'data-holds': String(c.holds), 'data-state': c.holds ? 'firing' : noData ? 'no-data' : 'quiet' },
      `${severityLabel(c.alert.severity)} if ${c.alert.long} & ${c.alert.short} > ${formatBurn(c.alert.factor)}: `,
      `${formatBurn(c.longBurn ?? null)} / ${formatBurn(c.shortBurn ?? null)}`,
      c.holds ? ' — firing' : noData ? ' — cannot fire (no events)' : '',
    );
  });
  return el('details', { class: 'alerts' }, el('summary', {}, 'Alert conditions'), el('ul', {}, ...items));
}

function renderSparkline(slo: SloStatus, history: SloHistoryResponse | undefined, timeScale = 1): HTMLElement {
  const figure = el('figure', { class: 'spark' });
  const points = history?.points ?? [];
  if (points.length === 0) {
    append(figure, [el('figcaption', { class: 'muted' }, history ? 'No error-ratio history yet' : 'Error-ratio history unavailable')]);
    return figure;
  }
  const allowed = 1 - slo.objective;
  const geometry = sparkline(points, SPARK_WIDTH, SPARK_HEIGHT, allowed);
  const box = svg('svg', { viewBox: `0 0 ${SPARK_WIDTH} ${SPARK_HEIGHT}`, preserveAspectRatio: 'none', role: 'img' });
  box.setAttribute('aria-label', `error ratio over time, ${points.length} points`);
  box.appendChild(svg('path', { class: 'spark-area', d: geometry.area }));
  if (geometry.referenceY !== undefined) {
    box.appendChild(svg('line', { class: 'spark-ref', x1: 0, x2: SPARK_WIDTH, y1: geometry.referenceY, y2: geometry.referenceY }));
  }
  box.appendChild(svg('path', { class: 'spark-line', d: geometry.line }));
  const first = points[0]!;
  const last = points[points.length - 1]!;
  // Points without events (null) are gaps, not zeros: no peak at all when every point is one.
  const ratios = points.flatMap((p) => (typeof p.errorRatio === 'number' && Number.isFinite(p.errorRatio) ? [p.errorRatio] : []));
  const peak = ratios.length > 0 ? Math.max(...ratios) : null;
  append(figure, [
    box,
    el(
      'figcaption',
      { class: 'muted' },
      // In demo time like the card's windows ("Burn 1h"), not the wall clock's: at timeScale 30 an hour of history is 2 min.
      el('span', { 'data-field': 'spark-span' }, `Error ratio, last ${formatElapsed((last.t - first.t) * (timeScale > 0 ? timeScale : 1))}`),
      ': now ',
      el('span', { 'data-field': 'spark-last' }, formatErrorRatio(last.errorRatio)),
      `, peak ${formatErrorRatio(peak)}; dashed = allowed ${formatPercent(allowed, 3)}`,
    ),
  ]);
  return figure;
}

// ---------------------------------------------------------------- keys

function renderKeys(keys: KeysApiResponse): void {
  byId('keys-window').textContent = keys.window
    ? `Share of verifications and jobs over the last ${keys.window}.`
    : 'Share of verifications and jobs using each key.';
  const body = byId<HTMLTableSectionElement>('keys-body');
  if (keys.keys.length === 0) {
    body.replaceChildren(el('tr', {}, el('td', { colspan: '6', class: 'empty' }, 'No key usage reported yet')));
    return;
  }
  body.replaceChildren(
    ...eachRow(
      keys.keys,
      (k) => {
        const shareFill = el('span', { class: 'share-fill' });
        shareFill.style.width = `${Math.max(0, Math.min(1, k.share)) * 100}%`;
        return el(
          'tr',
          { 'data-key': k.keyId, class: `key-${k.status}` },
          cell('Key ID', 'key-id', el('code', {}, k.keyId)),
          cell('Status', 'status', el('span', { class: `badge key-status-${k.status}` }, k.status)),
          cell('Owner', 'owner', k.owner ?? '–'),
          cell('Share', 'share', el('span', { class: 'share-bar' }, shareFill), ' ', el('span', { class: 'share-text' }, formatPercent(k.share, 1))),
          cell('Verifications', 'verifications', formatCount(k.verifications)),
          cell('Jobs', 'jobs', k.jobs.join(', ') || '–'),
        );
      },
      unshownRow('key', 6),
    ),
  );
}

// ---------------------------------------------------------------- failures

function renderFailures(data: FailuresApiResponse): void {
  const body = byId<HTMLTableSectionElement>('failures-body');
  if (data.failures.length === 0) {
    const filtered = state.filters.job || state.filters.reason;
    body.replaceChildren(el('tr', {}, el('td', { colspan: '7', class: 'empty' }, filtered ? 'No failures match the filters' : 'No failed verifications recorded')));
  } else {
    body.replaceChildren(
      ...eachRow(
        data.failures,
        (f) =>
          el(
            'tr',
            { 'data-trace': f.traceId, class: `outcome-${f.outcome}` },
            cell('Time', 'time', el('time', { datetime: new Date(f.timeUnixMs).toISOString(), title: new Date(f.timeUnixMs).toISOString() }, formatClock(f.timeUnixMs))),
            cell('Job', 'job', f.job),
            cell('Key ID', 'key-id', el('code', {}, f.keyId)),
            cell('Reason', 'reason', f.reason),
            cell('Cause', 'cause', ...causeContent(el, f)),
            cell('Client', 'client', f.clientFingerprint ? el('code', {}, f.clientFingerprint) : '–'),
            cell('Trace ID', 'trace-id', traceIdContent(el, f)),
          ),
        unshownRow('failure', 7),
      ),
    );
  }

  renderCauseSummary(el, byId('failure-causes'), data.causes, eachRow);

  const top = byId('top-clients');
  // A group without a client list is kept, to say it could not be shown.
  const groups = data.topClients.filter((g) => !state.filters.job || g.job === state.filters.job).filter((g) => !Array.isArray(g?.clients) || g.clients.length > 0);
  if (groups.length === 0) {
    top.replaceChildren(el('p', { class: 'muted' }, 'No rejected clients recorded'));
    return;
  }
  top.replaceChildren(
    ...eachRow(
      groups,
      (g) =>
        el(
          'div',
          { class: 'top-group', 'data-job': g.job },
          el('h4', {}, g.job),
          el(
            'table',
            { class: 'top-table' },
            el('thead', {}, el('tr', {}, el('th', {}, 'Client fingerprint'), el('th', {}, 'Rejections'))),
            el(
              'tbody',
              {},
              ...eachRow(
                g.clients,
                (c) =>
                  el(
                    'tr',
                    { 'data-client': c.clientFingerprint },
                    cell('Client', 'client', el('code', {}, c.clientFingerprint)),
                    // Space-saving counts over-estimate by at most `error`; show the bound when it is not 0.
                    cell('Rejections', 'count', formatCount(c.count), c.error > 0 ? el('span', { class: 'muted' }, ` (±${formatCount(c.error)})`) : null),
                  ),
                unshownRow('client', 2),
              ),
            ),
          ),
        ),
      (reason) => el('div', { class: 'top-group-error', 'data-unshown': 'clients' }, el('p', { class: 'empty' }, `These clients could not be shown (${reason})`)),
    ),
  );
}

/** Refills a <select> only when its choices changed, so an open menu or focus is not disturbed. */
function syncOptions(select: HTMLSelectElement, allLabel: string, values: Iterable<string>, selected: string): void {
  const wanted = ['', ...[...new Set([...values, ...(selected ? [selected] : [])])].sort()];
  const current = [...select.options].map((o) => o.value);
  if (current.join('\u0000') !== wanted.join('\u0000')) {
    select.replaceChildren(...wanted.map((v) => el('option', { value: v }, v === '' ? allLabel : v)));
  }
  select.value = selected;
}

function renderFilters(): void {
  syncOptions(byId<HTMLSelectElement>('filter-job'), 'all jobs', state.knownJobs, state.filters.job);
  syncOptions(byId<HTMLSelectElement>('filter-reason'), 'all reasons', state.knownReasons, state.filters.reason);
}

// ---------------------------------------------------------------- refresh loop

async function loadHistory(slo: SloStatus): Promise<SloHistoryResponse | undefined> {
  try {
    return await getJson<SloHistoryResponse>(apiUrl('api/slo/history', { job: slo.job, slo: slo.slo }));
  } catch {
    return undefined; // a missing sparkline is not worth an error banner; the card says so
  }
}

async function refresh(): Promise<void> {
  if (state.inFlight) {
    state.rerun = true;
    return;
  }
  state.inFlight = true;
  try {
    const failuresUrl = apiUrl('api/failures', { job: state.filters.job, reason: state.filters.reason, limit: FAILURE_LIMIT });
    const [slo, keys, failures] = await Promise.all([
      getJson<SloApiResponse>('api/slo'),
      getJson<KeysApiResponse>('api/keys'),
      getJson<FailuresApiResponse>(failuresUrl),
    ]);
    const histories = await Promise.all(slo.slos.map(loadHistory));

    const addJob = (job: unknown) => {
      if (typeof job === 'string') state.knownJobs.add(job);
    };
    forEachSafely(slo.slos, (s) => addJob(s.job));
    forEachSafely(keys.keys, (k) => k.jobs.forEach(addJob));
    forEachSafely(failures.topClients, (g) => addJob(g.job));
    forEachSafely(failures.failures, (f) => addJob(f.job));

    renderSummary(slo.slos, slo.burnAlerts, Array.isArray(slo.noData) ? slo.noData.length : 0);
    renderCards(slo, histories);
    byId('time-scale').textContent = timeScaleNote(slo.timeScale, slo.slos[0]?.period);
    byId('time-scale').hidden = byId('time-scale').textContent === '';
    renderKeys(keys);
    renderFilters();
    renderFailures(failures);
    // The open detail view last, so its own request never holds up the rest of the page.
    await detailView().refresh(slo.grafanaDashboardUrl ?? '');

    state.lastSuccessMs = Date.now();
    document.body.dataset.loaded = 'true';
    document.body.dataset.renders = String(Number(document.body.dataset.renders ?? 0) + 1);
    document.body.dataset.generatedAt = slo.generatedAt;
    hideError();
  } catch (err) {
    showError(err instanceof ApiError ? err.message : `Could not render the API data: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    state.inFlight = false;
    updateAge();
  }
  if (state.rerun) {
    state.rerun = false;
    await refresh();
  }
}

function showError(message: string): void {
  const banner = byId('error-banner');
  const stale = state.lastSuccessMs !== undefined ? ` Showing data from ${formatClock(state.lastSuccessMs)}.` : '';
  banner.textContent = `The collector API failed: ${message}.${stale} Retrying every ${REFRESH_MS / 1000} s.`;
  banner.hidden = false;
  document.body.dataset.apiError = 'true';
}

function hideError(): void {
  byId('error-banner').hidden = true;
  delete document.body.dataset.apiError;
}

function updateAge(): void {
  const node = byId('updated');
  if (state.lastSuccessMs === undefined) {
    node.textContent = 'Waiting for the first answer from the collector…';
    return;
  }
  node.replaceChildren(
    'Updated ',
    el('time', { datetime: new Date(state.lastSuccessMs).toISOString() }, formatClock(state.lastSuccessMs)),
    ` (${formatElapsed(Date.now() - state.lastSuccessMs)}${Date.now() - state.lastSuccessMs >= 1000 ? ' ago' : ''}), every ${REFRESH_MS / 1000} s`,
  );
}

function schedule(): void {
  clearTimeout(state.timer);
  state.timer = setTimeout(async () => {
    // A hidden tab does not poll; it refreshes as soon as it is shown again.
    if (!document.hidden) await refresh();
    schedule();
  }, REFRESH_MS);
}

function onFilterChange(): void {
  state.filters = {
    job: byId<HTMLSelectElement>('filter-job').value,
    reason: byId<HTMLSelectElement>('filter-reason').value,
  };
  writeFiltersToLocation(state.filters);
  void refresh().then(schedule);
}

/** The SLO detail view (slo-detail.ts), created on first use. */
let detail: SloDetailView | undefined;
function detailView(): SloDetailView {
  return (detail ??= new SloDetailView(byId('slo-detail'), getJson));
}

function start(): void {
  detailView().attach(byId('slo-cards'));
  byId('filter-job').addEventListener('change', onFilterChange);
  byId('filter-reason').addEventListener('change', onFilterChange);
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) void refresh().then(schedule);
  });
  setInterval(updateAge, 1000);
  renderFilters();
  void refresh().then(schedule);
}

start();
