/**
 * Resource labels across deploys: each `service.version` brings its own series. Once no pusher of
 * the job has had a version for the series TTL, that version's series are dropped (the job-wide TTL
 * never comes while the new version pushes); otherwise every deploy would leave a full set behind
 * until the job's series cap refused the newest version's series. The freed values survive a
 * snapshot; a value taken again before the TTL keeps its series; a dropped value that comes back
 * resumes from its total.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Aggregator } from '../../src/collector/aggregate/aggregator.js';
import type { ResourceMetrics } from '../../src/collector/otlp/types.js';
import { testLimits } from './aggregator-test-limits.js';
import { parseExposition, seriesKey, startCollector, tempDir } from '../support/collector.js';
import { metricsRequest, numberMetric, pushMetrics } from './otlp-raw.js';

const limits = testLimits({
  maxSeries: 100,
  maxSeriesPerJob: 3,
  pusherTtlMs: 1000,
  seriesTtlMs: 5000,
  resourceLabels: { attributes: [{ attribute: 'service.version', label: 'service_version' }], maxValuesPerLabel: 50 },
});

const push = (instance: string, version: string, value: number): ResourceMetrics[] => [
  {
    resource: { 'service.name': 'api', 'service.instance.id': instance, 'service.version': version },
    metrics: [{ name: 'hmac.auth.verifications', unit: '{verification}', description: '', data: { type: 'sum', temporality: 2, monotonic: true, points: [{ attributes: { 'hmac.outcome': 'accepted' }, start: '1', value }] } }],
  },
];
const versions = (a: Aggregator) => [...a.series()].map((s) => `${s.attributes['service.version']}=${s.value}`).sort();

/** What CollectorCore.tick does, in order: forget idle pushers, expire idle jobs, expire freed values. */
function tick(a: Aggregator, t: number): void {
  a.forget(a.expiredPushers(t), t);
  a.dropJobs(a.expiredJobs(t), t);
  a.dropResourceValues(a.expiredResourceValues(t), t);
}

test('a version no pusher has had for the series TTL leaves: ten deploys never fill the job\'s series cap', () => {
  let a = new Aggregator(limits);
  let t = 0;
  for (let deploy = 1; deploy <= 10; deploy++) {
    for (let i = 1; i <= 10; i++) {
      const r = a.ingest(push(`v${deploy}-pod`, `v${deploy}`, i), t);
      assert.deepEqual([...r.rejected], [], `deploy ${deploy}, push ${i}: ${r.messages.join('; ')}`);
      t += 1000;
      tick(a, t);
      if (deploy === 5 && i === 3) a = Aggregator.fromJSON(limits, JSON.parse(JSON.stringify(a.toJSON())));
    }
  }
  // v9's pod was forgotten at 91 s and its value freed for over the TTL by 100 s: only v10 is left.
  assert.deepEqual(versions(a), ['v10=10']);
});

test('a value taken again before the TTL keeps its series; one that comes back after resumes from its total', () => {
  const a = new Aggregator(limits);
  a.ingest(push('a', 'v1', 4), 0);
  tick(a, 2000); // a forgotten: v1 freed at 2000
  a.ingest(push('b', 'v1', 1), 4000); // taken again
  tick(a, 8000); // b forgotten at 8000: freed again from then
  assert.deepEqual(versions(a), ['v1=5']);
  tick(a, 13_001); // freed for over the TTL
  assert.deepEqual(versions(a), []);
  a.ingest(push('c', 'v1', 2), 14_000);
  assert.deepEqual(versions(a), ['v1=7']);
});

test('a real collector drops an old version\'s series while the new one pushes, and a SIGKILL replays the drop', async () => {
  // timeScale 10: ticks every second; pusherTtl 1 s, seriesTtl 2 s.
  const config = 'timeScale: 10\ncollector:\n  pusherTtl: 10s\n  seriesTtl: 20s\n';
  const of = (version: string) => seriesKey('hmac_auth_verifications_total', { job: 'api', service_version: version, hmac_outcome: 'accepted' });
  const send = async (url: string, instance: string, version: string) => {
    const request = metricsRequest({ 'service.name': 'api', 'service.instance.id': instance, 'service.version': version }, [
      numberMetric('hmac.auth.verifications', { value: 1, temporality: 1, monotonic: true, unit: '{verification}', attrs: { 'hmac.outcome': 'accepted' } }),
    ]);
    assert.equal((await pushMetrics(url, request, 'json')).status, 200);
  };
  const tmp = tempDir();
  let c = await startCollector({ dir: tmp.dir, configYaml: config });
  let keepAlive: NodeJS.Timeout | undefined;
  try {
    await send(c.url, 'old', 'v1');
    keepAlive = setInterval(() => void send(c.url, 'new', 'v2').catch(() => {}), 300);
    const deadline = Date.now() + 15_000;
    let m = new Map<string, number>();
    while (Date.now() < deadline) {
      m = parseExposition(await (await fetch(`${c.url}/metrics`)).text());
      if (!m.has(of('v1')) && m.has(of('v2'))) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(!m.has(of('v1')) && m.has(of('v2')), [...m.keys()].filter((k) => k.includes('service_version')).join('\n'));
    clearInterval(keepAlive);
    await c.kill();
    c = await startCollector({ dir: tmp.dir, configYaml: config });
    m = parseExposition(await (await fetch(`${c.url}/metrics`)).text());
    assert.ok(!m.has(of('v1')), 'the replayed log brought the old version back');
    assert.ok(m.has(of('v2')));
  } finally {
    clearInterval(keepAlive);
    await c.stop();
    tmp.cleanup();
  }
});
