/**
 * Headless Chromium for the status-page tests: Debian's /usr/bin/chromium driven by playwright-core,
 * in UTC so times on the page can be checked against the API's Unix milliseconds.
 */
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const OUTPUT_DIR = join(process.cwd(), 'test-output', 'ui');
export const PHONE = { width: 390, height: 844 } as const;

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

export async function phoneContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 2, timezoneId: 'UTC', locale: 'en-US' });
  // tsx (esbuild keepNames) wraps named functions in the test's page.evaluate callbacks with
  // __name(...); define it as the identity in the page so those callbacks run there.
  await context.addInitScript('globalThis.__name = (fn) => fn;');
  return context;
}

export function outputPath(name: string): string {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  return join(OUTPUT_DIR, name);
}
