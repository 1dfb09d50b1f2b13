// The SLO detail view over the demo's traffic, in headless Chromium: `hmac-slo demo` at 120× pushes
// to a real collector (timeScale 120, a Grafana URL configured) through canonicalization and the KMS
// outage; then every SLO card's detail view must show the budget burn-down and the burn rates over
// time read from the collector's stored history, the range buttons must switch what is read, times
// without history say "no data", and the page must raise no error. Screenshots go to test-output/ui/.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { SloApiResponse, SloDetailResponse, SloHistoryResponse } from '../../src/collector/model.js';
import { formatElapsed } from '../../src/ui/format.js';
import { launchChromium, outputPath, phoneContext } from './browser.js';
import { runDemo } from '../demo/demo-process.js';
import { afterNextSample, startInTempDir, type CollectorProcess } from '../support/collector.js';
import { pushFailedSpanAt } from './otel-traffic.js';

const SPEED = 120;
const GRAFANA = 'https://grafana.example.com';

/** The milliseconds formatElapsed's words stand for ("41 s", "1 h 22 min", "3 d"). */
function demoMs(words: string): number {
  const unit: Record<string, number> = { s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 };
  return [...words.matchAll(/(\d+) (s|min|h|d)\b/g)].reduce((ms, m) => ms + Number(m[1]) * unit[m[2]!]!, 0);
}

describe('SLO detail view over the demo workload', () => {
  let collector: CollectorProcess;
  let browser: Browser;
  let desktop: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];
  let slos: SloApiResponse;

  before(async () => {
    collector = await startInTempDir({ ui: true, ready: true, configYaml: `timeScale: ${SPEED}\ncollector:\n  grafana:\n    url: ${GRAFANA}/\n` });
    const demo = runDemo(['--push-to', collector.url, '--speed', String(SPEED), '--scenario', 'canonicalization,kms-outage', '--log-format', 'json']);
    const exit = await demo.exited;
    assert.equal(exit.code, 0, `demo failed:\n${demo.stderr()}\n${demo.stdout().slice(-2000)}`);
    await afterNextSample(collector.url);
    slos = (await (await fetch(`${collector.url}/api/slo`)).json()) as SloApiResponse;
    browser = await launchChromium();
    desktop = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'UTC', locale: 'en-US' });
    await desktop.addInitScript('globalThis.__name = (fn) => fn;');
    page = await desktop.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
  });

  after(async () => {
    await browser?.close();
    await collector?.stop();
  });

  test('/api/slo says its time scale and the Grafana dashboard; the page states what demo time means', async () => {
    assert.equal(slos.timeScale, SPEED);
    assert.equal(slos.grafanaDashboardUrl, `${GRAFANA}/d/hmac-slo-executive`);
    await page.goto(`${collector.url}/?refresh=300`);
    await page.waitForSelector('body[data-loaded="true"]');
    const note = await page.locator('#time-scale').textContent();
    assert.match(note ?? '', /runs 120× faster than real time/);
    assert.match(note ?? '', /5m = 2\.5 s, 1h = 30 s, 1d = 12 min of real time; the "30d" SLO period is 6 h\./);
    const href = await page.locator('article.card[data-job="payments-api"][data-slo="auth-success"] a[data-field="grafana"]').getAttribute('href');
    assert.equal(href, `${GRAFANA}/d/hmac-slo-executive?var-job=payments-api`);
  });

  test('every SLO of the demo: its detail view shows the budget burn-down and burn rates over time against the thresholds', async () => {
    const pairs = slos.slos.map((s) => ({ job: s.job, slo: s.slo }));
    // payments-api, webhook-receiver and billing-worker, with all four SLOs between them.
    assert.deepEqual([...new Set(pairs.map((p) => p.slo))].sort(), ['auth-availability', 'auth-success', 'kms-success', 'verification-latency']);
    for (const { job, slo } of pairs) {
      const renders = Number((await page.locator('#slo-detail').getAttribute('data-renders')) ?? 0);
      await page.locator(`article.card[data-job="${job}"][data-slo="${slo}"] button[data-action="open-detail"]`).click();
      await page.waitForFunction(
        ([j, s, n]) => {
          const d = document.getElementById('slo-detail')!;
          return !d.hidden && d.dataset.job === j && d.dataset.slo === s && Number(d.dataset.renders ?? 0) > Number(n);
        },
        [job, slo, String(renders)] as const,
      );
      const shown = await page.evaluate(() => {
        const d = document.getElementById('slo-detail')!;
        const chart = (name: string) => {
          const f = d.querySelector(`figure[data-chart="${name}"]`);
          return {
            hasData: f?.getAttribute('data-has-data'),
            paths: [...(f?.querySelectorAll('path.series') ?? [])].map((p) => ({ series: p.getAttribute('data-series'), segments: (p.getAttribute('d') ?? '').split(/[ML]/).length - 1 })),
            refs: [...(f?.querySelectorAll('text.ref-label') ?? [])].map((t) => t.textContent),
          };
        };
        return { heading: d.querySelector('h2')?.textContent, budget: chart('budget'), burn: chart('burn'), ratio: chart('error-ratio'), rates: chart('rates'), range: d.dataset.range };
      });
      const what = `${job} ${slo}`;
      assert.equal(shown.heading, `${slo} ${job}`);
      assert.equal(shown.range, '6h', `${what}: default range`);
      assert.equal(shown.budget.hasData, 'true', `${what}: budget burn-down has data`);
      assert.ok(shown.budget.paths[0]!.segments >= 10, `${what}: budget burn-down drawn over time (${shown.budget.paths[0]!.segments} points)`);
      assert.equal(shown.burn.hasData, 'true', `${what}: burn rates have data`);
      assert.deepEqual(shown.burn.paths.map((p) => p.series), ['burn 1h', 'burn 6h', 'burn 1d', 'burn 3d']);
      assert.ok(shown.burn.paths.every((p) => p.segments >= 10), `${what}: every burn-rate line drawn over time`);
      assert.deepEqual(shown.burn.refs, ['page 1h/5m > 14.4×', 'page 6h/30m > 6×', 'ticket 1d/2h > 3×', 'ticket 3d/6h > 1×']);
      assert.equal(shown.rates.hasData, 'true');
    }
    await page.screenshot({ path: outputPath('slo-detail-1280x900.png'), fullPage: true });
    assert.deepEqual(pageErrors, []);
  });

  test('range buttons switch the range read from the collector (kept in the address bar); times before the history say "no data"', async () => {
    await page.goto(`${collector.url}/?refresh=300&detail-job=payments-api&detail-slo=auth-success`);
    await page.waitForSelector('#slo-detail[data-range="6h"] figure[data-chart="budget"]');
    const apiRequests: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/slo/detail')) apiRequests.push(new URL(r.url()).searchParams.get('range') ?? '');
    });
    for (const range of ['1h', '1d', '30d', '6h']) {
      await page.locator(`#slo-detail button[data-range="${range}"]`).click();
      await page.waitForSelector(`#slo-detail[data-range="${range}"] button[data-range="${range}"][aria-pressed="true"]`);
      assert.equal(new URL(page.url()).searchParams.get('range'), range);
      const api = (await (await fetch(`${collector.url}/api/slo/detail?job=payments-api&slo=auth-success&range=${range}`)).json()) as SloDetailResponse;
      const firstWithData = api.points.findIndex((p) => p.budgetRemaining !== null);
      const noDataAreas = await page.locator('#slo-detail figure[data-chart="budget"] rect.no-data-area').count();
      // The demo ran ~30 s: the 1h range (30 s at 120×) is nearly all history; 1d (12 min) and 30d (6 h) mostly not.
      if (range === '1d' || range === '30d') {
        assert.ok(firstWithData > 0, `${range}: points before the history are null`);
        assert.ok(noDataAreas > 0, `${range}: shaded "no data" before the history`);
        if (range === '30d') await page.screenshot({ path: outputPath('slo-detail-30d-1280x900.png'), fullPage: true });
      }
    }
    assert.deepEqual(apiRequests, ['1h', '1d', '30d', '6h']);
    // Reload keeps the view and its range.
    await page.reload();
    await page.waitForSelector('#slo-detail[data-range="6h"][data-job="payments-api"]');
    await page.locator('#slo-detail button[data-action="close-detail"]').click();
    assert.equal(await page.locator('#slo-detail').isHidden(), true);
    assert.equal(new URL(page.url()).searchParams.get('detail-job'), null);
    assert.deepEqual(pageErrors, []);
  });

  test('failures by reason and key ID behind the SLO in the selected range, said in their heading; "no data" when none; an SLO without history says "no data"', async () => {
    // The canonicalization incident opens the demo run: within the last 6h (3 min), not necessarily the last 1h (30 s).
    await page.goto(`${collector.url}/?refresh=300&detail-job=webhook-receiver&detail-slo=auth-success&range=6h`);
    await page.waitForSelector('#slo-detail[data-range="6h"] table[data-field="by-reason"]');
    const reasons = await page.locator('#slo-detail table[data-field="by-reason"] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-row')));
    const api = async () => JSON.stringify((await (await fetch(`${collector.url}/api/slo/detail?job=webhook-receiver&slo=auth-success&range=6h`)).json() as SloDetailResponse).failures);
    assert.ok(reasons.includes('signature_mismatch'), `${reasons.join(' ')} ${await api()}`);
    const keys = await page.locator('#slo-detail table[data-field="by-key"] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-row')));
    assert.ok(keys.some((k) => k?.startsWith('whk-')), keys.join(' '));
    assert.equal(await page.locator('#slo-detail table[data-field="by-reason"] caption').textContent(), 'Failures by reason, the last 6h');

    // A failure of payments-api that happened an hour ago (5 demo days): in the 30d period, not in the last 1d (12 min).
    await pushFailedSpanAt(collector.url, 'payments-api', { reason: 'unknown_key', keyId: 'k-retired-2025', timeMs: Date.now() - 3_600_000 });
    const keysIn = async (range: string) => {
      await page.goto(`${collector.url}/?refresh=300&detail-job=payments-api&detail-slo=auth-success&range=${range}`);
      await page.waitForSelector(`#slo-detail[data-range="${range}"] table[data-field="by-key"]`);
      return {
        keys: await page.locator('#slo-detail table[data-field="by-key"] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-row'))),
        caption: await page.locator('#slo-detail table[data-field="by-key"] caption').textContent(),
      };
    };
    const period = await keysIn('30d');
    assert.ok(period.keys.includes('k-retired-2025'), period.keys.join(' '));
    assert.equal(period.caption, 'Failures by key ID, the 30d period');
    await page.screenshot({ path: outputPath('slo-detail-failures-30d-1280x900.png'), fullPage: true });
    const lastDay = await keysIn('1d');
    assert.ok(!lastDay.keys.includes('k-retired-2025'), lastDay.keys.join(' '));
    assert.ok(lastDay.keys.includes('pay-2026-10'), lastDay.keys.join(' '));
    assert.equal(lastDay.caption, 'Failures by key ID, the last 1d');

    // Nothing in range: "no data", not an empty table. auth-availability counts errors only, and
    // webhook-receiver's failures in this run are rejections.
    await page.goto(`${collector.url}/?refresh=300&detail-job=webhook-receiver&detail-slo=auth-availability&range=6h`);
    await page.waitForSelector('#slo-detail[data-range="6h"] table[data-field="by-reason"]');
    assert.deepEqual(await page.locator('#slo-detail table[data-field="by-reason"] tbody td').allTextContents(), ['No data: no failure of this SLO in the last 6h']);
    // A latency SLO's bad events are slow verifications: no failure tables, and it says why.
    await page.goto(`${collector.url}/?refresh=300&detail-job=payments-api&detail-slo=verification-latency&range=6h`);
    await page.waitForSelector('#slo-detail[data-range="6h"] [data-field="failures"]');
    assert.equal(await page.locator('#slo-detail table.breakdown').count(), 0);
    assert.match((await page.locator('#slo-detail [data-field="failures"]').textContent()) ?? '', /slow verifications, not failures/);

    await page.goto(`${collector.url}/?refresh=300&detail-job=no-such-job&detail-slo=auth-success`);
    await page.waitForSelector('#slo-detail [data-field="no-data"]');
    // The collector's message, not the JSON it comes in.
    assert.match((await page.locator('#slo-detail [data-field="no-data"]').textContent()) ?? '', /^No data: .*HTTP 404 — no history for job "no-such-job" and slo "auth-success"$/);
    // The browser logs the 404 it was asked to fetch: expected here, and the only error allowed.
    const i = pageErrors.findIndex((e) => /status of 404/.test(e));
    if (i >= 0) pageErrors.splice(i, 1);

    const phone = await phoneContext(browser);
    const small = await phone.newPage();
    small.on('pageerror', (e) => pageErrors.push(e.message));
    await small.goto(`${collector.url}/?refresh=300&detail-job=payments-api&detail-slo=auth-success&range=1h`);
    await small.waitForSelector('#slo-detail[data-range="1h"] figure[data-chart="burn"] path.series');
    assert.ok((await small.evaluate(() => document.documentElement.scrollWidth)) <= 390, 'the detail view fits a phone: nothing overflows sideways');
    // The charts are drawn for the phone's width, not shrunk from the desktop's: their 10px labels stay readable.
    const labelHeights = await small.locator('#slo-detail svg.chart text.axis, #slo-detail svg.chart text.ref-label').evaluateAll((ts) => ts.map((t) => t.getBoundingClientRect().height));
    assert.ok(labelHeights.length > 0 && Math.min(...labelHeights) >= 9, `chart text ${Math.min(...labelHeights).toFixed(1)} px high on a phone`);
    await small.screenshot({ path: outputPath('slo-detail-390x844.png'), fullPage: true });
    assert.deepEqual(pageErrors, []);
  });

  test('readable charts and cards: threshold labels over the lines, burn lines not in the page-threshold red, the sparkline span in demo time, no needless digits', async () => {
    await page.goto(`${collector.url}/?refresh=300&detail-job=payments-api&detail-slo=auth-success&range=1h`);
    await page.waitForSelector('#slo-detail[data-range="1h"] figure[data-chart="burn"] path.series');
    const burn = await page.evaluate(() => {
      const fig = document.querySelector('#slo-detail figure[data-chart="burn"]')!;
      const kids = [...fig.querySelector('svg')!.children];
      const lastSeries = kids.findLastIndex((n) => n.matches('path.series'));
      const labels = [...fig.querySelectorAll('text.ref-label')];
      const card = getComputedStyle(document.querySelector('#slo-detail')!).backgroundColor;
      return {
        labelsAfterSeries: labels.every((l) => kids.indexOf(l) > lastSeries),
        // The label's outline is a halo in the card's colour, not the threshold's colour smeared over its text.
        labelStrokes: [...new Set(labels.map((l) => getComputedStyle(l).stroke))],
        card,
        pageRed: getComputedStyle(fig.querySelector('line.ref.page')!).stroke,
        lineColours: [...fig.querySelectorAll('path.series')].map((p) => getComputedStyle(p).stroke),
        // Pairs of threshold labels whose boxes overlap (6× and 14.4× are close on a log axis).
        overlapping: labels.flatMap((a, i) =>
          labels.slice(i + 1).flatMap((b) => {
            const [r, q] = [a.getBoundingClientRect(), b.getBoundingClientRect()];
            const box = (x: DOMRect) => `${Math.round(x.left)}-${Math.round(x.right)},${Math.round(x.top)}-${Math.round(x.bottom)}`;
            // Boxes hold the font's full line height: touching by a pixel is not an overlap of glyphs.
            return r.left < q.right && q.left < r.right && Math.min(r.bottom, q.bottom) - Math.max(r.top, q.top) > 1 ? [`${a.textContent} ${box(r)} / ${b.textContent} ${box(q)}`] : [];
          }),
        ),
      };
    });
    assert.ok(burn.labelsAfterSeries, 'threshold labels are drawn over the burn lines');
    assert.deepEqual(burn.labelStrokes, [burn.card]);
    assert.deepEqual(burn.overlapping, [], 'threshold labels do not overlap');
    assert.ok(!burn.lineColours.includes(burn.pageRed), `no burn line in the page threshold's red: ${burn.lineColours.join(' ')}`);
    assert.equal(new Set(burn.lineColours).size, burn.lineColours.length, 'one colour per burn line');

    // The cards: the sparkline's span in demo time, like the card's windows; budgets and error ratios without needless digits.
    for (const s of slos.slos) {
      const history = (await (await fetch(`${collector.url}/api/slo/history?job=${s.job}&slo=${s.slo}`)).json()) as SloHistoryResponse;
      const card = page.locator(`article.card[data-job="${s.job}"][data-slo="${s.slo}"]`);
      const span = await card.locator('[data-field="spark-span"]').textContent();
      const realMs = history.points.at(-1)!.t - history.points[0]!.t;
      // The page read the history a moment before this test did: a few demo minutes apart at most.
      const shownMs = demoMs(span?.replace('Error ratio, last ', '') ?? '');
      assert.ok(Math.abs(shownMs - realMs * SPEED) <= 15 * 60_000, `${s.job} ${s.slo}: "${span}" for ${realMs} ms real (${formatElapsed(realMs * SPEED)} demo time)`);
      const budget = (await card.locator('[data-field="budget"]').textContent()) ?? '';
      assert.match(budget, s.errorBudgetRemaining !== null && Math.abs(s.errorBudgetRemaining) >= 10 ? /^-?\d+%$/ : /^(-?\d+(\.\d)?%|>99\.9%|no data)$/, `${s.job} ${s.slo} budget ${budget}`);
      const now = (await card.locator('[data-field="spark-last"]').textContent()) ?? '';
      assert.ok(!/^\d{2,}\.\d{2,}%$/.test(now), `${s.job} ${s.slo}: error ratio ${now} has no more digits than it needs`);
    }
    await page.screenshot({ path: outputPath('slo-detail-1h-1280x900.png'), fullPage: true });

    // In dark mode every line stands out from the card (contrast 3:1, WCAG's for graphics).
    const dark = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'dark', timezoneId: 'UTC' });
    await dark.addInitScript('globalThis.__name = (fn) => fn;');
    const night = await dark.newPage();
    night.on('pageerror', (e) => pageErrors.push(e.message));
    await night.goto(`${collector.url}/?refresh=300&detail-job=payments-api&detail-slo=auth-success&range=1h`);
    await night.waitForSelector('#slo-detail[data-range="1h"] figure[data-chart="rates"] path.series');
    const contrasts = await night.evaluate(() => {
      const rgb = (c: string) => (c.match(/\d+/g) ?? []).slice(0, 3).map(Number);
      const lum = (c: string) => {
        const [r, g, b] = rgb(c).map((v) => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4));
        return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
      };
      const card = lum(getComputedStyle(document.querySelector('#slo-detail')!).backgroundColor);
      return [...document.querySelectorAll('#slo-detail path.series')].map((p) => {
        const l = lum(getComputedStyle(p).stroke);
        return { series: p.getAttribute('data-series'), contrast: (Math.max(l, card) + 0.05) / (Math.min(l, card) + 0.05) };
      });
    });
    assert.ok(contrasts.length > 0 && contrasts.every((c) => c.contrast >= 3), JSON.stringify(contrasts));
    await dark.close();
    assert.deepEqual(pageErrors, []);
  });

  test('a link with a range this collector does not offer (another period, a typo) opens the default range, not a dead end', async () => {
    await page.goto(`${collector.url}/?refresh=300&detail-job=payments-api&detail-slo=auth-success&range=7d`);
    await page.waitForSelector('#slo-detail[data-range="6h"] figure[data-chart="budget"]');
    assert.equal(new URL(page.url()).searchParams.get('range'), '6h');
    assert.equal(await page.locator('#slo-detail button[data-range="6h"]').getAttribute('aria-pressed'), 'true');
    // The browser logs the 400 of the first attempt: expected here.
    const i = pageErrors.findIndex((e) => /status of 400/.test(e));
    if (i >= 0) pageErrors.splice(i, 1);
    assert.deepEqual(pageErrors, []);
  });
});
