// The SLO detail view's failures by reason and key ID when the failure log does not reach back to
// the range's start (heldFrom), in headless Chromium against the fixture APIs with a crafted
// /api/slo/detail: the tables' headings and the text must not claim the whole range.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import type { SloDetailResponse } from '../../src/collector/model.js';
import { launchChromium } from './browser.js';
import { NOW, startFixtureServer, type FixtureServer } from './fixture-api.js';

const DAY = 86_400_000;
const FROM = NOW - 30 * DAY;
const HELD_FROM = NOW - 7 * 60_000; // the log's 500 failures of all jobs cover the last 7 minutes

function detail(heldFrom: number | null): SloDetailResponse {
  const stepMs = (NOW - FROM) / 120;
  return {
    job: 'payments-api', slo: 'auth-success', description: '', objective: 0.999, period: '30d', timeScale: 1,
    range: '30d', ranges: ['1h', '6h', '1d', '30d'], from: FROM, to: NOW, stepMs, historyFrom: FROM,
    windows: ['1h'], burnAlerts: [{ severity: 'critical', long: '1h', short: '5m', factor: 14.4 }],
    points: Array.from({ length: 120 }, (_, i) => ({ t: FROM + (i + 1) * stepMs, events: 100, badEvents: 1, errorRatio: 0.01, budgetRemaining: 0.5, burn: { '1h': 10 } })),
    failures: { counted: true, from: FROM, to: NOW, heldFrom, byReason: [{ reason: 'signature_mismatch', count: 40 }], byKey: [{ keyId: 'pay-2026-10', count: 40 }] },
  } as SloDetailResponse;
}

let fixture: FixtureServer;
let browser: Browser;
let page: Page;
let served: SloDetailResponse;
const errors: string[] = [];

before(async () => {
  fixture = await startFixtureServer();
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'UTC', locale: 'en-US' });
  await context.addInitScript('globalThis.__name = (fn) => fn;');
  page = await context.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.route('**/api/slo/detail?**', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(served) }));
});

after(async () => {
  await browser?.close();
  await fixture?.close();
});

async function open(heldFrom: number | null): Promise<{ captions: string[]; text: string }> {
  served = detail(heldFrom);
  await page.goto(`${fixture.base}/?refresh=300&detail-job=payments-api&detail-slo=auth-success&range=30d`);
  await page.waitForSelector('#slo-detail table[data-field="by-reason"]');
  return {
    captions: await page.locator('#slo-detail [data-field="failures"] caption').allTextContents(),
    text: (await page.locator('#slo-detail [data-field="failures"]').textContent()) ?? '',
  };
}

test('a failure log reaching back less far than the range: headings say since when, not "the 30d period"; sampling said', async () => {
  const whole = await open(null);
  assert.deepEqual(whole.captions, ['Failures by reason, the 30d period', 'Failures by key ID, the 30d period']);
  assert.match(whole.text, /sampl/i, 'a trace sampler that drops failed spans lowers the counts: said');

  const partial = await open(HELD_FROM);
  for (const c of partial.captions) {
    assert.doesNotMatch(c, /30d/, `caption claims the whole range: ${c}`);
    assert.match(c, /since 11-24 11:53/, c);
  }
  assert.doesNotMatch(partial.text, /in the 30d period/, partial.text);
  assert.match(partial.text, /reaches back to 11-24 11:53/);
  assert.deepEqual(errors, []);
});

test('a scoped SLO whose scope is on labels failed spans lack says its failures are not narrowed by them', async () => {
  const base = detail(null);
  served = { ...base, failures: { ...base.failures, notNarrowedBy: ['deployment_environment_name'] } };
  await page.goto(`${fixture.base}/?refresh=300&detail-job=payments-api&detail-slo=auth-success&range=30d`);
  await page.waitForSelector('#slo-detail table[data-field="by-reason"]');
  const note = await page.locator('#slo-detail [data-field="failures-not-scoped"]').textContent({ timeout: 5000 });
  assert.match(note ?? '', /deployment_environment_name/);
  assert.match(note ?? '', /outside the scope are counted too/);
  assert.deepEqual(errors, []);
});
