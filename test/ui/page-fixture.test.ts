// The status page in headless Chromium against fixture APIs with known values: exact text on the
// cards, colours by the alert rule, hostile strings shown as text, filters sent to the API, the error
// banner, and the phone-sized layout.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, outputPath, phoneContext } from './browser.js';
import { CAUSE_TEXT } from '../../src/ui/failure-causes.js';
import { BAD_ROWS, FAILURES, HOSTILE_JOB, HOSTILE_KEY, HOSTILE_TRACE_URL, KEYS, SLO, TOP_CLIENTS, failures, startFixtureServer, type FixtureServer } from './fixture-api.js';
import { assertCardsMatch, assertFailuresMatch, assertKeysMatch, assertNoHorizontalOverflow, readPage } from './page-reader.js';

let fixture: FixtureServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const consoleErrors: string[] = [];

before(async () => {
  fixture = await startFixtureServer();
  browser = await launchChromium();
  context = await phoneContext(browser);
  page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  // Refresh every second so the banner test does not wait five.
  await page.goto(`${fixture.base}/?refresh=1`);
  await page.waitForSelector('body[data-loaded="true"]');
});

after(async () => {
  await browser?.close();
  await fixture?.close();
});

test('the page renders from the APIs without script errors or blocked resources', async () => {
  assert.deepEqual(consoleErrors, []);
  const shown = await readPage(page);
  assert.equal(shown.errorBanner, null);
  assert.match(shown.updated, /^Updated \d\d:\d\d:\d\d/);
});

test('SLO cards show objective, SLI, budget, burn rates and thresholds as the API gives them', async () => {
  const shown = await readPage(page);
  assertCardsMatch(shown, SLO);
  const paging = shown.cards.find((c) => c.job === 'payments-api' && c.slo === 'auth-success')!;
  assert.deepEqual(
    { status: paging.status, pill: paging.pill, objective: paging.objective, sli: paging.sli, budget: paging.budget, events: paging.events, burn: paging.burn },
    { status: 'red', pill: 'PAGE', objective: '99.9%', sli: '99.862%', budget: '-38%', events: '1,234,567', burn: { '1h': '18.5×', '6h': '4.2×' } },
  );
  assert.deepEqual(paging.pageThreshold, { '1h': 'page > 14.4×', '6h': 'page > 6×' });
  const ticket = shown.cards.find((c) => c.slo === 'auth-availability')!;
  assert.deepEqual([ticket.status, ticket.pill, ticket.objective, ticket.budget], ['amber', 'TICKET', '99.95%', '82%']);
  // A pair whose series exist but had no events: no data, never 100 % or OK.
  const quiet = shown.cards.find((c) => c.slo === 'kms-success')!;
  assert.deepEqual(
    [quiet.status, quiet.pill, quiet.sli, quiet.budget, quiet.events, quiet.burn],
    ['no-data', 'NO DATA', 'no data', 'no data', '0', { '1h': 'no data', '6h': 'no data' }],
  );
  // Its budget bar is outlined, not an empty bar that reads as a spent budget.
  assert.deepEqual(await page.locator('#slo-cards article.card .bar.nodata').evaluateAll((bars) => bars.map((b) => b.closest('article')!.getAttribute('data-slo'))), ['kms-success']);
  // The summary counts the cards by colour, the quiet one apart.
  assert.equal(await page.textContent('[data-field="count-red"]'), '1 paging');
  assert.equal(await page.textContent('[data-field="count-amber"]'), '1 ticket');
  assert.equal(await page.textContent('[data-field="count-green"]'), '1 ok');
  assert.equal(await page.textContent('[data-field="count-nodata"]'), '1 no data');
});

test('each card draws its error-ratio history as an SVG sparkline', async () => {
  const shown = await readPage(page);
  const rising = shown.cards.find((c) => c.slo === 'auth-success')!;
  // 30 points from 0 to 0.0116, allowed 0.001: the last point is at the top-right corner of 300×48.
  assert.ok(rising.sparkPath?.startsWith('M0,48 '), rising.sparkPath ?? 'no path');
  assert.ok(rising.sparkPath?.endsWith(' L300,0'), rising.sparkPath ?? 'no path');
  assert.equal(rising.sparkPath?.split(' ').length, 30);
});

test('paging cards come first and an opened "Alert conditions" stays open across refreshes', async () => {
  const order = await page.locator('#slo-cards article.card').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-status')));
  assert.deepEqual(order, ['red', 'amber', 'green', 'no-data']);
  const details = page.locator('article[data-slo="auth-availability"] details.alerts');
  await details.locator('summary').click();
  const conditions = await details.locator('li').allTextContents();
  assert.deepEqual(conditions, [
    'page if 1h & 5m > 14.4×: 0.1× / 0.1×',
    'page if 6h & 30m > 6×: 0.1× / 0.1×',
    'ticket if 1d & 2h > 3×: 4× / 3.5× — firing',
    'ticket if 3d & 6h > 1×: 0.1× / 0.1×',
  ]);
  const renders = Number(await page.getAttribute('body', 'data-renders'));
  await page.waitForFunction((n) => Number(document.body.dataset.renders) > n, renders, { timeout: 5000 });
  assert.equal(await page.locator('article[data-slo="auth-availability"] details.alerts').getAttribute('open'), '');
  await page.locator('article[data-slo="auth-availability"] details.alerts summary').click();
});

test('"Alert conditions" says "no data" for a window without events, as the rest of the page, and does not look OK', async () => {
  const details = page.locator('article.card[data-slo="kms-success"] details.alerts');
  await details.locator('summary').click();
  const items = await details.locator('li').evaluateAll((lis) =>
    lis.map((li) => ({ text: li.textContent, state: li.getAttribute('data-state'), colour: getComputedStyle(li).color, italic: getComputedStyle(li).fontStyle })),
  );
  assert.deepEqual(
    items.map((i) => [i.text, i.state]),
    [
      ['page if 1h & 5m > 14.4×: no data / no data — cannot fire (no events)', 'no-data'],
      ['page if 6h & 30m > 6×: no data / no data — cannot fire (no events)', 'no-data'],
      ['ticket if 1d & 2h > 3×: no data / no data — cannot fire (no events)', 'no-data'],
      ['ticket if 3d & 6h > 1×: no data / no data — cannot fire (no events)', 'no-data'],
    ],
  );
  // Greyed out like the NO DATA pill, not the ordinary text of a quiet (OK) condition.
  const quiet = await page.locator('article[data-slo="auth-availability"] details.alerts li').first().evaluate((li) => getComputedStyle(li).color);
  assert.ok(items.every((i) => i.colour !== quiet && i.italic === 'italic'), JSON.stringify(items));
  assert.ok(!(await page.locator('article.card[data-slo="kms-success"]').textContent())?.includes('–'), 'no dash for a missing burn rate');
  await details.locator('summary').click();
});

test('API strings are shown as text, never interpreted as HTML', async () => {
  const shown = await readPage(page);
  assert.ok(shown.cards.some((c) => c.job === HOSTILE_JOB));
  assert.equal(await page.locator('.job-name', { hasText: HOSTILE_JOB }).count(), 2);
  assert.ok(shown.keys.some((k) => k.keyId === HOSTILE_KEY));
  assert.equal(await page.locator('img').count(), 0, 'no <img> element was created from a job name');
  assert.equal(await page.locator('#keys-body b').count(), 0, 'no <b> element was created from a key ID');
  assert.equal(await page.locator('a[data-field="grafana"]').count(), 0, 'no Grafana link from a javascript: URL');
  assert.equal(await page.locator('a[href^="javascript:" i]').count(), 0, 'no javascript: link at all');
  assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
});

test('the key-rotation table lists every key with status, share and jobs', async () => {
  const shown = await readPage(page);
  assertKeysMatch(shown, KEYS);
  assert.deepEqual(shown.keys.map((k) => [k.status, k.share, k.verifications]), [
    ['active', '90%', '900,000'],
    ['retiring', '10%', '99,700'],
    ['revoked', '<0.1%', '300'], // a revoked key still in use must not read as 0%
    ['undeclared', '0%', '0'],
  ]);
  assert.equal(shown.keys[0]!.jobs, `payments-api, ${HOSTILE_JOB}`);
  assert.equal(await page.textContent('#keys-window'), 'Share of verifications and jobs over the last 1h.');
});

test('recent failures and top rejected clients show what /api/failures returns', async () => {
  const shown = await readPage(page);
  assertFailuresMatch(shown, failures(new URLSearchParams({ limit: '50' })));
  assert.equal(shown.failures.length, FAILURES.length);
  assert.deepEqual(shown.failures[0], {
    time: '12:00:00',
    datetime: '2026-11-24T12:00:00.000Z',
    job: HOSTILE_JOB,
    keyId: 'k-2026-11',
    reason: 'signature_mismatch',
    client: 'c0ffee000000',
    traceId: '1'.padStart(32, 'a'),
    cause: 'signed_with_other_key',
    causeText: `signed with another key (key ${HOSTILE_KEY})`,
    causeKeyId: HOSTILE_KEY,
    traceHref: `https://traces.example/trace/${'1'.padStart(32, 'a')}`,
  });
  assert.equal(shown.failures[5]!.client, '–', 'a failure without a client fingerprint shows a dash');
  assert.deepEqual(shown.topClients[0], {
    job: 'payments-api',
    clients: [
      { client: 'c0ffee000001', count: '1,520' },
      { client: 'c0ffee000007', count: '12 (±3)' },
    ],
  });
});

test('"Why signatures fail": per job, the causes with their shares and what to check; the cause column; only http(s) trace links', async () => {
  const shown = await readPage(page);
  assert.deepEqual(
    shown.causes.map((g) => g.line),
    [
      `${HOSTILE_JOB}: body re-serialized by the app 50%, signed with another key 50% (2 with a cause)`, // a tie: by cause name
      'payments-api: body re-serialized by the app 50%, secret differs 25%, not explained 25% (4 with a cause)',
    ].sort((a, b) => (a < b ? -1 : 1)),
    'the count is of failures with a cause: "undiagnosed" and "skipped" ones are not called diagnosed',
  );
  const payments = shown.causes.find((g) => g.job === 'payments-api')!;
  assert.deepEqual(
    payments.checks.map((c) => c.text),
    (['body_reserialized', 'secret_differs', 'undiagnosed'] as const).map((c) => `${CAUSE_TEXT[c].label}: ${CAUSE_TEXT[c].check}`),
  );
  // Every cause's sentence is its tooltip in the failure list too.
  const title = await page.getAttribute('#failures-body [data-cause="secret_differs"]', 'title');
  assert.equal(title, CAUSE_TEXT.secret_differs.check);
  assert.equal(shown.failures.find((f) => f.reason === 'replay')?.causeText, '–');
  // A trace URL that is not http(s) is not a link: the ID is shown as text.
  const hostile = shown.failures[FAILURES.findIndex((f) => f.traceUrl === HOSTILE_TRACE_URL)]!;
  assert.equal(hostile.traceHref, null);
  assert.equal(await page.locator('a[href^="javascript"]').count(), 0);
  assert.equal(shown.failures[9]!.traceHref, null, 'no traceUrl, no link');
  assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
});

test('filtering by job and reason asks the API and shows only what it returns', async () => {
  const jobOptions = await page.locator('#filter-job option').allTextContents();
  assert.deepEqual(jobOptions, ['all jobs', 'payments-api', HOSTILE_JOB]);
  const reasonOptions = await page.locator('#filter-reason option').allTextContents();
  assert.ok(reasonOptions.includes('signature_mismatch') && reasonOptions.includes('kms_timeout'), reasonOptions.join());
  // The collector keeps a reason outside the contract as `other`, and /api/failures takes it.
  assert.ok(reasonOptions.includes('other'), reasonOptions.join());

  await page.selectOption('#filter-job', 'payments-api');
  await page.waitForFunction(() => [...document.querySelectorAll('#failures-body [data-field="job"]')].every((c) => c.textContent === 'payments-api'));
  let shown = await readPage(page);
  assertFailuresMatch(shown, failures(new URLSearchParams({ job: 'payments-api' })));
  assert.ok(fixture.requests.includes('/api/failures?job=payments-api&limit=50'), fixture.requests.join('\n'));
  assert.deepEqual(shown.topClients.map((g) => g.job), ['payments-api']);

  await page.selectOption('#filter-reason', 'replay');
  await page.waitForFunction(() => [...document.querySelectorAll('#failures-body [data-field="reason"]')].every((c) => c.textContent === 'replay'));
  shown = await readPage(page);
  assertFailuresMatch(shown, failures(new URLSearchParams({ job: 'payments-api', reason: 'replay' })));
  assert.equal(shown.failures.length, 2);
  assert.ok(fixture.requests.includes('/api/failures?job=payments-api&reason=replay&limit=50'));
  // The filter is kept in the address bar, so a reload keeps it.
  assert.equal(new URL(page.url()).searchParams.get('job'), 'payments-api');
  assert.equal(new URL(page.url()).searchParams.get('reason'), 'replay');

  // A job whose name needs escaping still reaches the API intact.
  await page.selectOption('#filter-reason', '');
  await page.selectOption('#filter-job', HOSTILE_JOB);
  await page.waitForFunction((job) => [...document.querySelectorAll('#failures-body [data-field="job"]')].every((c) => c.textContent === job), HOSTILE_JOB);
  shown = await readPage(page);
  assertFailuresMatch(shown, failures(new URLSearchParams({ job: HOSTILE_JOB })));
  assert.equal(shown.failures.length, 4);

  await page.selectOption('#filter-job', '');
  await page.waitForFunction((n) => document.querySelectorAll('#failures-body tr[data-trace]').length === n, FAILURES.length);
});

test('a failing API shows an error banner, keeps the last data, and clears when it recovers', async () => {
  fixture.failSloWith = 503;
  await page.waitForSelector('#error-banner:not([hidden])', { timeout: 5000 });
  const banner = (await readPage(page)).errorBanner ?? '';
  assert.match(banner, /api\/slo: HTTP 503/);
  assert.match(banner, /Showing data from \d\d:\d\d:\d\d/);
  assert.equal((await readPage(page)).cards.length, SLO.slos.length, 'the last good cards stay on screen');
  await page.screenshot({ path: outputPath('fixture-error-banner-390.png') });
  fixture.failSloWith = undefined;
  await page.waitForSelector('#error-banner[hidden]', { state: 'attached', timeout: 5000 });
});

test('at 390×844 nothing overflows sideways; screenshots saved', async () => {
  await assertNoHorizontalOverflow(page);
  await page.screenshot({ path: outputPath('fixture-390x844.png'), fullPage: true });
  const wide = await context.newPage();
  await wide.setViewportSize({ width: 1280, height: 900 });
  await wide.goto(`${fixture.base}/`);
  await wide.waitForSelector('body[data-loaded="true"]');
  await assertNoHorizontalOverflow(wide);
  await wide.screenshot({ path: outputPath('fixture-1280.png'), fullPage: true });
  await wide.close();
});

test('a row the page cannot render is replaced by a row saying so; the rest of each section renders', async () => {
  const bad = await startFixtureServer({ badRows: true });
  const other = await context.newPage();
  const errors: string[] = [];
  other.on('pageerror', (e) => errors.push(String(e)));
  other.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  try {
    await other.goto(`${bad.base}/?refresh=300`);
    await other.waitForSelector('body[data-loaded="true"]');
    const shown = await readPage(other);
    assert.equal(shown.errorBanner, null);
    assert.deepEqual(errors, []);
    const unshown = async (what: string) => other.locator(`[data-unshown="${what}"]`).allTextContents();
    // SLO cards: every good card as the API gives it, the broken one last, saying it could not be shown.
    assertCardsMatch({ ...shown, cards: shown.cards.filter((c) => c.job !== '') }, SLO);
    assert.equal(await other.locator('#slo-cards article.card').last().getAttribute('data-unshown'), 'SLO');
    assert.match((await unshown('SLO')).join(), /^This SLO could not be shown \(.+\)$/);
    // Keys: every good key in order, the broken one as a row saying so.
    assertKeysMatch(shown, KEYS);
    assert.match((await unshown('key')).join(), /^This key could not be shown \(.+\)$/);
    // Failures: the broken one (newest) says so, then every good one.
    assert.deepEqual(shown.failures.map((f) => f.traceId), FAILURES.map((f) => f.traceId));
    assert.equal(await other.locator('#failures-body tr').first().getAttribute('data-unshown'), 'failure');
    assert.match((await unshown('failure')).join(), /^This failure could not be shown \(.+\)$/);
    assert.ok(!shown.failures.some((f) => f.traceId === BAD_ROWS.failure.traceId));
    // Top clients: the good clients of each group, a row for the broken client, a note for the broken group.
    assert.deepEqual(shown.topClients.map((g) => [g.job, g.clients.map((c) => c.client)]), TOP_CLIENTS.map((g) => [g.job, g.clients.map((c) => c.clientFingerprint)]));
    assert.equal((await unshown('client')).length, 1);
    assert.match((await unshown('clients')).join(), /^These clients could not be shown \(.+\)$/);
    // Cause summary: every good job's line, a note for the broken one.
    assert.deepEqual(shown.causes.map((g) => g.job), failures(new URLSearchParams()).causes.map((j) => j.job));
    assert.match((await unshown('causes')).join(), /^These causes could not be shown \(.+\)$/);
    await assertNoHorizontalOverflow(other);
    await other.screenshot({ path: outputPath('fixture-bad-rows-390.png'), fullPage: true });
  } finally {
    await other.close();
    await bad.close();
  }
});
