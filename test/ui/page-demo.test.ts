// The status page over the demo's traffic: `hmac-slo demo` (its services, clients, SimulatedKms and
// attacker, exporting with the real OpenTelemetry SDK) pushes to a real collector until its timeline
// ends; headless Chromium then shows what the collector's APIs return — the leaked key presented by the
// attacker as revoked, its rejections in the failure list — and a screenshot is saved.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, outputPath, phoneContext } from './browser.js';
import { compareWithApis } from './page-reader.js';
import { runDemo } from '../demo/demo-process.js';
import { afterNextSample, startInTempDir, type CollectorProcess } from '../support/collector.js';

describe('status page over the demo workload', () => {
  let collector: CollectorProcess;
  let browser: Browser;
  let page: Page;
  let leakedKey = '';

  before(async () => {
    collector = await startInTempDir({ ui: true, ready: true });
    // revoked-key at 200×: a steady phase, the attacker's phase, then recovery — about 10 s.
    const demo = runDemo(['--push-to', collector.url, '--speed', '200', '--scenario', 'revoked-key', '--log-format', 'json']);
    const exit = await demo.exited;
    assert.equal(exit.code, 0, `demo failed:\n${demo.stderr()}\n${demo.stdout().slice(-2000)}`);
    const started = demo.lines().find((l) => l.msg === 'demo started') as { keyIds?: { payments?: { leaked?: string } } } | undefined;
    leakedKey = started?.keyIds?.payments?.leaked ?? '';
    assert.ok(leakedKey, 'the demo names the leaked key in its start line');
    // Reads show the SLO engine as of its last tick: wait for one after the demo's last push.
    await afterNextSample(collector.url);
    browser = await launchChromium();
    page = await (await phoneContext(browser)).newPage();
  });

  after(async () => {
    await browser?.close();
    await collector?.stop();
  });

  test('cards, key table and failures equal the APIs; the attacker’s revoked key is visible', async () => {
    // The demo has exited, so counts are fixed; only the windows move with the clock.
    const { shown } = await compareWithApis(page, collector.url, () => page.goto(`${collector.url}/?refresh=300`));
    for (const job of ['payments-api', 'webhook-receiver']) {
      assert.ok(shown.cards.some((c) => c.job === job), `a card for ${job}`);
    }
    assert.equal(shown.keys.find((k) => k.keyId === leakedKey)?.status, 'revoked');
    assert.ok(
      shown.failures.some((f) => f.job === 'payments-api' && f.reason === 'revoked_key' && f.keyId === leakedKey),
      'the revoked-key rejections are listed with the key ID',
    );
    // Rejections of a revoked key are the client's fault: the auth-success SLO of payments-api burns.
    assert.notEqual(shown.cards.find((c) => c.job === 'payments-api' && c.slo === 'auth-success')?.status, 'green');
    await page.screenshot({ path: outputPath('demo-390x844.png'), fullPage: true });
  });
});
