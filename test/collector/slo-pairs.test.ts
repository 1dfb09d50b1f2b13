/**
 * The SLO engine's pair cap is fair, on a real collector with the default settings: a flood of
 * 1,000 job names fills `collector.slo.maxPairs` (2,000: two SLOs read verifications), yet a real
 * job arriving after it gets its SLO once the flood has been idle for `pairEvictAfter` (1h, 5 s at
 * timeScale 720), the evictions are counted, and after a SIGKILL the flood's pairs do not return.
 * Before, the first 2,000 pairs kept their places forever and the real job got no SLO at all.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SloApiResponse } from '../../src/collector/model.js';
import { afterNextSample, parseExposition, seriesKey, startCollector, tempDir, type CollectorProcess } from '../support/collector.js';
import { postVerifications } from './otlp-json-push.js';

/** One OTLP/JSON push: per job, delta verifications by outcome. */
async function push(c: CollectorProcess, jobs: readonly string[], values: Record<string, number>): Promise<void> {
  const res = await postVerifications(c.url, { resources: jobs.map((job) => ({ job })), temporality: 1, values });
  assert.equal(res.status, 200, await res.text());
}

async function slos(c: CollectorProcess): Promise<SloApiResponse['slos']> {
  return ((await (await fetch(`${c.url}/api/slo`)).json()) as SloApiResponse).slos;
}

/** Polls until `check` holds, pushing the real job's traffic meanwhile. */
async function until<T>(what: string, check: () => Promise<T | undefined>, meanwhile: () => Promise<void>, timeoutMs = 40_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await check();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await meanwhile();
    await new Promise((r) => setTimeout(r, 500));
  }
}

test('a flood of job names fills the SLO pair cap; a real job arriving later gets its SLO once the flood is idle, across a SIGKILL', async () => {
  const tmp = tempDir();
  // Series expiry (seriesTtl, 5 s at this scale) would drop the idle flood's series and with them the
  // untracked pairs this test counts: kept long here, so only the pair cap is under test.
  const configYaml = 'timeScale: 720\ncollector:\n  seriesTtl: 30d\n';
  let c = await startCollector({ dir: tmp.dir, configYaml });
  const args = ['--listen', new URL(c.url).host];
  try {
    const flood = Array.from({ length: 1000 }, (_, i) => `flood-${i}`);
    // In pushes of 50 resources (a per-request resource cap must not be what this tests).
    for (let i = 0; i < flood.length; i += 50) await push(c, flood.slice(i, i + 50), { accepted: 1 });
    await until('the flood to fill the cap', async () => ((await slos(c)).length === 2000 ? true : undefined), async () => {});
    // The real job pushes every half second; at first there is no room for it.
    const real = () => push(c, ['payments'], { accepted: 9, rejected: 1 });
    const card = await until('the real job’s SLO', async () => (await slos(c)).find((s) => s.job === 'payments' && s.slo === 'auth-success'), real);
    // Over the period (1h at this scale; 5m would be 0.4 s and may have passed already).
    assert.ok(card.windows.find((w) => w.window === card.period)!.events > 0, 'its events are counted');
    const m = parseExposition(await (await fetch(`${c.url}/metrics`)).text());
    assert.ok(m.get(seriesKey('hmac_slo_collector_slo_pairs_dropped_total', { reason: 'evicted' }))! >= 2, 'evictions are counted');
    assert.equal(m.get(seriesKey('hmac_slo_collector_slo_pairs', {})), 2000);
    assert.ok(m.get(seriesKey('hmac_slo_collector_slo_pairs_untracked', {}))! >= 2);
    // After a SIGKILL the real job keeps its SLO and the evicted flood pairs stay out. Killed once a
    // snapshot begun after the eviction is written (which equally idle flood pairs a replay would
    // evict is not pinned down).
    await real();
    const snapshots = () => fetch(`${c.url}/metrics`).then(async (r) => parseExposition(await r.text()).get(seriesKey('hmac_slo_collector_snapshots_total', {}))!);
    const taken = await snapshots();
    await until('a snapshot after the eviction', async () => ((await snapshots()) >= taken + 2 ? true : undefined), async () => {});
    const before = new Set((await slos(c)).map((s) => `${s.job}/${s.slo}`));
    await c.kill();
    c = await startCollector({ dir: tmp.dir, configYaml, args });
    await afterNextSample(c.url);
    const after = await slos(c);
    assert.ok(after.some((s) => s.job === 'payments' && s.slo === 'auth-success'), 'the real job keeps its SLO');
    assert.ok(after.length <= 2000);
    for (const s of after) assert.ok(before.has(`${s.job}/${s.slo}`) || s.job === 'payments', `${s.job}/${s.slo} came back`);
  } finally {
    await c.stop();
    tmp.cleanup();
  }
});
