// Scoped SLOs on the status page of a real collector (fed by real SDK pushers), in headless Chromium:
// each card says what its SLO covers, the cards still equal /api/slo, and an SLO with no series in its
// scope is a "no data" card that shows no percentage at all — never 100 %.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import type { SloApiResponse } from '../../src/collector/model.js';
import { launchChromium, phoneContext } from './browser.js';
import { assertCardsMatch, getApi, readPage } from './page-reader.js';
import { scopedCollector } from '../collector/scoped-traffic.js';

let stack: Awaited<ReturnType<typeof scopedCollector>>;
let browser: Browser;
let page: Page;

before(async () => {
  stack = await scopedCollector({ ui: true });
  browser = await launchChromium();
  page = await (await phoneContext(browser)).newPage();
  await page.goto(`${stack.collector.url}/?refresh=300`);
  await page.waitForSelector('body[data-loaded="true"]');
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

test('scoped cards show their scope and equal /api/slo; an empty scope is a no-data card without figures', async () => {
  const api = await getApi<SloApiResponse>(stack.collector.url, '/api/slo');
  assertCardsMatch(await readPage(page), api);
  const scopeOf = (slo: string) => page.locator(`#slo-cards [data-slo="${slo}"] [data-field="scope"]`).textContent();
  assert.equal(await scopeOf('payments-prod'), 'Scope: job = payments-api · hmac_scheme = stripe');
  assert.equal(await scopeOf('internal-webhooks'), 'Scope: job ≠ payments-api');

  const noData = page.locator('#slo-cards [data-status="no-data"]');
  assert.deepEqual(await noData.evaluateAll((cards) => cards.map((c) => c.getAttribute('data-slo'))), ['eu-payments']);
  assert.equal(await noData.locator('[data-field="status"]').textContent(), 'NO DATA');
  assert.equal(await scopeOf('eu-payments'), 'Scope: deployment_environment_name = eu');
  const text = (await noData.textContent()) ?? '';
  assert.match(text, /No data/);
  // The only percentage is the objective it would be held to: no SLI, no budget, no 100 %.
  assert.deepEqual(text.match(/[\d.]+%/g), ['99.9%']);
  // The summary counts it apart, not among the "ok" ones (which count job × SLO cards).
  assert.equal(await page.locator('#summary [data-field="count-nodata"]').textContent(), '1 no data');
});
