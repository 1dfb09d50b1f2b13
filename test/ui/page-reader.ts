/**
 * Reads what the status page shows, as text, straight from the DOM (by the data-* hooks the page sets),
 * and checks it against API responses fetched by the test itself. Shared by the fixture test and the
 * real-collector tests.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { FailuresApiResponse, KeysApiResponse, SloApiResponse } from '../../src/collector/model.js';
import { traceHref } from '../../src/ui/failure-causes.js';
import { statusColour } from '../../src/ui/status.js';

export interface ShownCard {
  job: string;
  slo: string;
  status: string;
  pill: string;
  objective: string;
  sli: string;
  events: string;
  budget: string;
  burn: Record<string, string>;
  pageThreshold: Record<string, string>;
  sparkPath: string | null;
}
export interface ShownPage {
  cards: ShownCard[];
  keys: { keyId: string; status: string; owner: string; share: string; verifications: string; jobs: string }[];
  failures: { time: string; datetime: string; job: string; keyId: string; reason: string; client: string; traceId: string; cause: string | null; causeText: string; causeKeyId: string | null; traceHref: string | null }[];
  /** "Why signatures fail": per job, its summary line and the causes (with their what-to-check sentences) in order. */
  causes: { job: string; line: string; causes: (string | null)[]; checks: { cause: string | null; text: string }[] }[];
  topClients: { job: string; clients: { client: string; count: string }[] }[];
  errorBanner: string | null;
  updated: string;
}

export async function readPage(page: Page): Promise<ShownPage> {
  return page.evaluate(() => {
    const text = (root: Element | null, sel: string) => root?.querySelector(sel)?.textContent?.trim() ?? '';
    const cards = [...document.querySelectorAll('#slo-cards article.card')].map((c) => {
      const burn: Record<string, string> = {};
      const pageThreshold: Record<string, string> = {};
      for (const row of c.querySelectorAll('table.burn tr[data-window]')) {
        burn[row.getAttribute('data-window')!] = text(row, '[data-field="burn"]');
        pageThreshold[row.getAttribute('data-window')!] = text(row, '[data-field="page-threshold"]');
      }
      return {
        job: c.getAttribute('data-job') ?? '',
        slo: c.getAttribute('data-slo') ?? '',
        status: c.getAttribute('data-status') ?? '',
        pill: text(c, '[data-field="status"]'),
        objective: text(c, '[data-field="objective"]'),
        sli: text(c, '[data-field="sli"]'),
        events: text(c, '[data-field="events"]'),
        budget: text(c, '[data-field="budget"]'),
        burn,
        pageThreshold,
        sparkPath: c.querySelector('path.spark-line')?.getAttribute('d') ?? null,
      };
    });
    const keys = [...document.querySelectorAll('#keys-body tr[data-key]')].map((r) => ({
      keyId: text(r, '[data-field="key-id"]'),
      status: text(r, '[data-field="status"]'),
      owner: text(r, '[data-field="owner"]'),
      share: text(r, '[data-field="share"]'),
      verifications: text(r, '[data-field="verifications"]'),
      jobs: text(r, '[data-field="jobs"]'),
    }));
    const failures = [...document.querySelectorAll('#failures-body tr[data-trace]')].map((r) => ({
      time: text(r, '[data-field="time"]'),
      datetime: r.querySelector('time')?.getAttribute('datetime') ?? '',
      job: text(r, '[data-field="job"]'),
      keyId: text(r, '[data-field="key-id"]'),
      reason: text(r, '[data-field="reason"]'),
      client: text(r, '[data-field="client"]'),
      traceId: text(r, '[data-field="trace-id"]'),
      cause: r.querySelector('[data-field="cause"] [data-cause]')?.getAttribute('data-cause') ?? null,
      causeText: text(r, '[data-field="cause"]'),
      causeKeyId: r.querySelector('[data-field="cause-key-id"]')?.textContent ?? null,
      traceHref: r.querySelector('[data-field="trace-id"] a')?.getAttribute('href') ?? null,
    }));
    const causes = [...document.querySelectorAll('#failure-causes .cause-group')].map((g) => ({
      job: g.getAttribute('data-job') ?? '',
      line: text(g, '[data-field="cause-line"]'),
      causes: [...g.querySelectorAll('[data-field="cause-line"] [data-cause]')].map((s) => s.getAttribute('data-cause')),
      checks: [...g.querySelectorAll('.cause-checks li')].map((li) => ({ cause: li.getAttribute('data-cause'), text: li.textContent ?? '' })),
    }));
    const topClients = [...document.querySelectorAll('#top-clients .top-group')].map((g) => ({
      job: g.getAttribute('data-job') ?? '',
      clients: [...g.querySelectorAll('tr[data-client]')].map((r) => ({
        client: text(r, '[data-field="client"]'),
        count: text(r, '[data-field="count"]'),
      })),
    }));
    const banner = document.getElementById('error-banner')!;
    return {
      cards,
      keys,
      failures,
      causes,
      topClients,
      errorBanner: banner.hidden ? null : banner.textContent,
      updated: document.getElementById('updated')!.textContent ?? '',
    };
  });
}

/** Parses "99.95%", "-38%", ">99.99%", "14.4×", "1,234" into a number and how it is bounded. */
export function parseShown(textValue: string): { value: number; bound: '=' | '>' | '<' } {
  const bound = textValue.startsWith('>') ? '>' : textValue.startsWith('<') ? '<' : '=';
  const value = Number(textValue.replace(/^[<>]/, '').replace(/[%×,]/g, ''));
  assert.ok(Number.isFinite(value), `not a number on the page: ${JSON.stringify(textValue)}`);
  return { value, bound };
}

/** The page shows `expected` (a plain number) to within `tolerance`, or as a correct >/< bound; null (no events) as "no data". */
export function assertShows(shown: string, expected: number | null, tolerance: number, what: string): void {
  if (expected === null) return assert.equal(shown, 'no data', `${what}: the API has no value`);
  const { value, bound } = parseShown(shown);
  if (bound === '>') assert.ok(expected > value, `${what}: page says ${shown}, API says ${expected}`);
  else if (bound === '<') assert.ok(expected < value && expected > 0, `${what}: page says ${shown}, API says ${expected}`);
  else assert.ok(Math.abs(value - expected) <= tolerance + 1e-9, `${what}: page says ${shown}, API says ${expected}`);
}

/** Every SLO card shows what GET /api/slo returned, coloured by the alert rule. */
export function assertCardsMatch(shown: ShownPage, api: SloApiResponse): void {
  assert.deepEqual(
    shown.cards.map((c) => `${c.job}/${c.slo}`).sort(),
    api.slos.map((s) => `${s.job}/${s.slo}`).sort(),
    'one card per job and SLO',
  );
  for (const s of api.slos) {
    const card = shown.cards.find((c) => c.job === s.job && c.slo === s.slo)!;
    const what = `${s.job}/${s.slo}`;
    assertShows(card.objective, s.objective * 100, 0.0005, `${what} objective`);
    assertShows(card.sli, s.sli === null ? null : s.sli * 100, 0.0005, `${what} SLI`);
    // One decimal; none once overspent tenfold (formatBudget).
    const budget = s.errorBudgetRemaining;
    assertShows(card.budget, budget === null ? null : budget * 100, budget !== null && Math.abs(budget) >= 10 ? 0.5 : 0.05, `${what} budget`);
    const period = s.windows.find((w) => w.window === s.period);
    if (period) assert.equal(Number(card.events.replace(/,/g, '')), period.events, `${what} events`);
    for (const window of ['1h', '6h']) {
      const w = s.windows.find((x) => x.window === window);
      if (!w) continue;
      const burn = Math.abs(w.burnRate ?? 0);
      const tolerance = burn < 10 ? 0.005 : burn < 100 ? 0.05 : 0.5;
      assertShows(card.burn[window]!, w.burnRate, tolerance, `${what} burn ${window}`);
    }
    // No events over the period: "no data", never an OK card with a 100 % SLI.
    const colour = s.sli === null ? 'no-data' : statusColour(s, api.burnAlerts);
    assert.equal(card.status, colour, `${what} colour`);
    assert.equal(card.pill, { red: 'PAGE', amber: 'TICKET', green: 'OK', 'no-data': 'NO DATA' }[colour], `${what} status word`);
  }
}

export function assertKeysMatch(shown: ShownPage, api: KeysApiResponse): void {
  assert.deepEqual(shown.keys.map((k) => k.keyId), api.keys.map((k) => k.keyId), 'one row per key, in API order');
  for (const k of api.keys) {
    const row = shown.keys.find((r) => r.keyId === k.keyId)!;
    assert.equal(row.status, k.status, `${k.keyId} status`);
    assert.equal(row.owner, k.owner ?? '–', `${k.keyId} owner`);
    assertShows(row.share, k.share * 100, 0.05, `${k.keyId} share`);
    assert.equal(Number(row.verifications.replace(/,/g, '')), k.verifications, `${k.keyId} verifications`);
    assert.equal(row.jobs, k.jobs.length > 0 ? k.jobs.join(', ') : '–', `${k.keyId} jobs`);
  }
}

export function assertFailuresMatch(shown: ShownPage, api: FailuresApiResponse): void {
  assert.deepEqual(shown.failures.map((f) => f.traceId), api.failures.map((f) => f.traceId), 'the failures, newest first as the API lists them');
  api.failures.forEach((f, i) => {
    const row = shown.failures[i]!;
    const iso = new Date(f.timeUnixMs).toISOString();
    assert.equal(row.datetime, iso);
    assert.equal(row.time, iso.slice(11, 19), 'time of day (the browser runs in UTC)');
    assert.equal(row.job, f.job);
    assert.equal(row.keyId, f.keyId);
    assert.equal(row.reason, f.reason);
    assert.equal(row.client, f.clientFingerprint ?? '–');
    assert.equal(row.cause, f.cause ?? null, 'cause');
    assert.equal(row.causeKeyId, f.causeKeyId ?? null, 'cause key ID');
    // Only an absolute http(s) URL becomes a link (page-fixture checks a javascript: one does not).
    assert.equal(row.traceHref, traceHref(f.traceUrl) ?? null, 'trace link');
  });
  assert.deepEqual(
    shown.causes.map((g) => [g.job, g.causes]),
    (api.causes ?? []).map((j) => [j.job, j.causes.map((c) => c.cause)]),
    'one "Why signatures fail" group per job, its causes most frequent first',
  );
  const groups = api.topClients.filter((g) => g.clients.length > 0);
  assert.deepEqual(shown.topClients.map((g) => g.job), groups.map((g) => g.job), 'one top-clients table per job');
  for (const g of groups) {
    const shownGroup = shown.topClients.find((x) => x.job === g.job)!;
    assert.deepEqual(
      shownGroup.clients.map((c) => [c.client, Number(c.count.replace(/\s*\(±[\d,]+\)$/, '').replace(/,/g, ''))]),
      g.clients.map((c) => [c.clientFingerprint, c.count]),
      `${g.job} top clients`,
    );
  }
}

/** Phone screens: nothing may stick out sideways (a table that scrolls the whole page sideways fails). */
export async function assertNoHorizontalOverflow(page: Page): Promise<void> {
  const { scrollWidth, innerWidth, widest } = await page.evaluate(() => {
    let widestEl = '';
    let max = 0;
    for (const node of document.querySelectorAll('body *')) {
      const r = node.getBoundingClientRect();
      if (r.right > max) {
        max = r.right;
        widestEl = `${node.tagName.toLowerCase()}${node.id ? `#${node.id}` : ''}.${[...node.classList].join('.')}`;
      }
    }
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, widest: `${widestEl} (${Math.round(max)}px)` };
  });
  assert.ok(scrollWidth <= innerWidth, `page is ${scrollWidth}px wide in a ${innerWidth}px viewport; widest: ${widest}`);
}

/** GET a collector JSON API, asserting 200. */
export async function getApi<T>(base: string, path: string): Promise<T> {
  const res = await fetch(base + path);
  assert.equal(res.status, 200, `${path}: ${await res.clone().text()}`);
  return (await res.json()) as T;
}

export interface Compared {
  shown: ShownPage;
  slo: SloApiResponse;
  keys: KeysApiResponse;
  failures: FailuresApiResponse;
}

/**
 * Fetch the APIs, (re)load the page with `open`, and check that it shows what they returned. Counts
 * are fixed once the pushes are in, but the collector's windows move with the clock, so a comparison
 * that straddles a change is retried (three attempts).
 */
export async function compareWithApis(page: Page, base: string, open: () => Promise<unknown>, failuresQuery = '?limit=50'): Promise<Compared> {
  for (let attempt = 1; ; attempt++) {
    const [slo, keys, failures] = await Promise.all([
      getApi<SloApiResponse>(base, '/api/slo'),
      getApi<KeysApiResponse>(base, '/api/keys'),
      getApi<FailuresApiResponse>(base, `/api/failures${failuresQuery}`),
    ]);
    await open();
    await page.waitForSelector('body[data-loaded="true"]');
    const shown = await readPage(page);
    try {
      assertCardsMatch(shown, slo);
      assertKeysMatch(shown, keys);
      assertFailuresMatch(shown, failures);
      return { shown, slo, keys, failures };
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}
