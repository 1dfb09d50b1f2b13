/**
 * Regenerates docs/images/status-page.png, the status page screenshot in docs/collector.md:
 * starts the real collector on a free loopback port, pushes demo-like traffic with the OpenTelemetry
 * SDK's OTLP exporters (the same mix the browser test uses: one paging SLO, one ticket, the rest ok),
 * opens `/` in headless Chromium and saves the page.
 *
 *   node --conditions=source --import tsx scripts/screenshot.ts [output.png]
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { launchChromium } from '../test/ui/browser.js';
import { startCollector } from '../test/ui/collector-process.js';
import { pushTraffic } from '../test/ui/otel-traffic.js';

const output = resolve(process.argv[2] ?? 'docs/images/status-page.png');
const collector = await startCollector();
try {
  await pushTraffic(collector.base);
  // Let the history gather a few points so the sparklines have a line to draw.
  await new Promise((r) => setTimeout(r, 1500));
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, deviceScaleFactor: 1, colorScheme: 'light', timezoneId: 'UTC' });
    await context.addInitScript('globalThis.__name = (fn) => fn;');
    const page = await context.newPage();
    await page.goto(`${collector.base}/?refresh=300`);
    await page.waitForSelector('body[data-loaded="true"]');
    // Show why the paging card is red: open its alert conditions.
    await page.locator('article.status-red details.alerts summary').first().click().catch(() => undefined);
    mkdirSync(dirname(output), { recursive: true });
    await page.screenshot({ path: output, fullPage: true });
    console.log(`wrote ${output}`);
  } finally {
    await browser.close();
  }
} finally {
  await collector.stop();
}
