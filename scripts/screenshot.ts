/**
 * Regenerates docs/images/status-page.png, the status page screenshot in docs/collector.md.
 *
 * Default: starts the real collector on a free loopback port, pushes demo-like traffic with the
 * OpenTelemetry SDK's OTLP exporters (the mix the browser test uses: one paging SLO, one ticket, the
 * rest ok), opens `/` in headless Chromium and saves the full page.
 * `--fixture`: the same page against the browser test's fixture APIs (hand-written values), for when
 * no collector can run.
 * `--demo`: what `npm start` shows after a minute and a half (the quick tour at 60×, its embedded
 * collector), with the SLO detail view of payments-api auth-success open; the top of the page is
 * saved (the picture in README.md and docs/collector.md).
 *
 *   npm run build:ui && node --conditions=source --import tsx scripts/screenshot.ts [--fixture|--demo] [output.png]
 */
import { mkdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { dirname, resolve } from 'node:path';
import { launchChromium } from '../test/ui/browser.js';
import { startInTempDir } from '../test/support/collector.js';
import { HOSTILE_JOB, HOSTILE_KEY, startFixtureServer } from '../test/ui/fixture-api.js';
import { pushTraffic } from '../test/ui/otel-traffic.js';
import { runDemo } from '../test/demo/demo-process.js';
import { tempDir } from '../test/support/collector.js';

const args = process.argv.slice(2);
const useFixture = args.includes('--fixture');
const useDemo = args.includes('--demo');
/** Real seconds the demo runs before the picture (at 60×: the opening, canonicalization, clock drift, replay). */
const DEMO_SECONDS = 90;
const output = resolve(args.find((a) => !a.startsWith('--')) ?? 'docs/images/status-page.png');

async function startSource(): Promise<{ base: string; stop(): Promise<void> }> {
  if (useFixture) {
    const fixture = await startFixtureServer({ rename: { [HOSTILE_JOB]: 'webhooks', [HOSTILE_KEY]: 'k-2025-legacy' } });
    return { base: fixture.base, stop: () => fixture.close() };
  }
  if (useDemo) {
    const tmp = tempDir();
    const demo = runDemo(['--listen', '127.0.0.1:0', '--state-dir', tmp.dir, '--speed', '60', '--log-format', 'json']);
    const started = await demo.waitFor((l) => l.msg === 'demo started', 30_000);
    await sleep(DEMO_SECONDS * 1000);
    return {
      base: `${started.collector as string}`,
      stop: async () => {
        demo.child.kill('SIGINT');
        await demo.exited;
        tmp.cleanup();
      },
    };
  }
  const collector = await startInTempDir({ ui: true, ready: true });
  await pushTraffic(collector.url);
  return { base: collector.url, stop: async () => void (await collector.stop()) };
}

const source = await startSource();
try {
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: { width: 1200, height: useDemo ? 1250 : 900 }, deviceScaleFactor: 1, colorScheme: 'light', timezoneId: 'UTC' });
    await context.addInitScript('globalThis.__name = (fn) => fn;');
    const page = await context.newPage();
    mkdirSync(dirname(output), { recursive: true });
    if (useDemo) {
      await page.goto(`${source.base}/?refresh=300&detail-job=payments-api&detail-slo=auth-success&range=6h`);
      await page.waitForSelector('#slo-detail[data-range="6h"] figure[data-chart="burn"] path.series');
      await page.screenshot({ path: output });
    } else {
      await page.goto(`${source.base}/`);
      await page.waitForSelector('body[data-loaded="true"]');
      // Show why the first (paging) card is red: open its alert conditions.
      await page.locator('article.card details.alerts summary').first().click();
      await page.screenshot({ path: output, fullPage: true });
    }
    console.log(`wrote ${output}`);
  } finally {
    await browser.close();
  }
} finally {
  await source.stop();
}
