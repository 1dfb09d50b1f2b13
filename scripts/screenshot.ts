/**
 * Regenerates docs/images/status-page.png, the status page screenshot in docs/collector.md.
 *
 * Default: starts the real collector on a free loopback port, pushes demo-like traffic with the
 * OpenTelemetry SDK's OTLP exporters (the mix the browser test uses: one paging SLO, one ticket, the
 * rest ok), opens `/` in headless Chromium and saves the full page.
 * `--fixture`: the same page against the browser test's fixture APIs (hand-written values), for when
 * no collector can run.
 *
 *   npm run build:ui && node --conditions=source --import tsx scripts/screenshot.ts [--fixture] [output.png]
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { launchChromium } from '../test/ui/browser.js';
import { startInTempDir } from '../test/support/collector.js';
import { HOSTILE_JOB, HOSTILE_KEY, startFixtureServer } from '../test/ui/fixture-api.js';
import { pushTraffic } from '../test/ui/otel-traffic.js';

const args = process.argv.slice(2);
const useFixture = args.includes('--fixture');
const output = resolve(args.find((a) => !a.startsWith('--')) ?? 'docs/images/status-page.png');

async function startSource(): Promise<{ base: string; stop(): Promise<void> }> {
  if (useFixture) {
    const fixture = await startFixtureServer({ rename: { [HOSTILE_JOB]: 'webhooks', [HOSTILE_KEY]: 'k-2025-legacy' } });
    return { base: fixture.base, stop: () => fixture.close() };
  }
  const collector = await startInTempDir({ ui: true, ready: true });
  await pushTraffic(collector.url);
  return { base: collector.url, stop: async () => void (await collector.stop()) };
}

const source = await startSource();
try {
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, deviceScaleFactor: 1, colorScheme: 'light', timezoneId: 'UTC' });
    await context.addInitScript('globalThis.__name = (fn) => fn;');
    const page = await context.newPage();
    await page.goto(`${source.base}/`);
    await page.waitForSelector('body[data-loaded="true"]');
    // Show why the first (paging) card is red: open its alert conditions.
    await page.locator('article.card details.alerts summary').first().click();
    mkdirSync(dirname(output), { recursive: true });
    await page.screenshot({ path: output, fullPage: true });
    console.log(`wrote ${output}`);
  } finally {
    await browser.close();
  }
} finally {
  await source.stop();
}
