/**
 * The collector's per-request caps and series expiry against a real process (issue 9, findings 5
 * and 7): a request with too many resources or data points gets 413 and is counted; a flood job
 * that stops pushing is dropped after `collector.seriesTtl`, on its original schedule even across
 * a restart (the expiry clock is in the snapshot), while a live job stays.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExposition, seriesKey, startCollector, tempDir, withCollector } from '../support/collector.js';

const kv = (key: string, v: string) => ({ key, value: { stringValue: v } });
/** An OTLP/JSON body: `resources` resources (pushers `${instance}-N`) of `job`, each with `points` cumulative counter points. */
function body(job: string, resources: number, points: number, value = 1, instance = 'i'): string {
  return JSON.stringify({
    resourceMetrics: Array.from({ length: resources }, (_, r) => ({
      resource: { attributes: [kv('service.name', job), kv('service.instance.id', `${instance}-${r}`)] },
      scopeMetrics: [
        {
          scope: { name: 't' },
          metrics: [
            {
              name: 'hmac.auth.verifications',
              sum: {
                aggregationTemporality: 2,
                isMonotonic: true,
                dataPoints: Array.from({ length: points }, (_, p) => ({ attributes: [kv('hmac.key_id', `k-${p}`)], startTimeUnixNano: '1', timeUnixNano: '2', asInt: String(value) })),
              },
            },
          ],
        },
      ],
    })),
  });
}

async function push(url: string, text: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${url}/v1/metrics`, { method: 'POST', body: text, headers: { 'content-type': 'application/json' } });
  return { status: res.status, text: await res.text() };
}

async function metrics(url: string): Promise<Map<string, number>> {
  return parseExposition(await (await fetch(`${url}/metrics`)).text());
}

test('a request over maxResourcesPerRequest or maxPointsPerRequest gets 413 and is counted; one within both is applied', () =>
  withCollector('collector:\n  limits: { maxResourcesPerRequest: 3, maxPointsPerRequest: 20 }\n', async (c) => {
    const resources = await push(c.url, body('svc', 4, 1));
    assert.equal(resources.status, 413);
    assert.match(resources.text, /4 resources in one request; at most 3 \(collector\.limits\.maxResourcesPerRequest\)/);
    const points = await push(c.url, body('svc', 3, 7));
    assert.equal(points.status, 413);
    assert.match(points.text, /21 data points in one request; at most 20/);
    assert.equal((await push(c.url, body('svc', 2, 10))).status, 200);
    const m = await metrics(c.url);
    assert.equal(m.get(seriesKey('hmac_slo_collector_rejected_pushes_total', { signal: 'metrics', reason: 'too_many_resources' })), 1);
    assert.equal(m.get(seriesKey('hmac_slo_collector_rejected_pushes_total', { signal: 'metrics', reason: 'too_many_points' })), 1);
    assert.equal(m.get(seriesKey('hmac_auth_verifications_total', { job: 'svc', hmac_key_id: 'k-0' })), 2);
    assert.equal(m.get(seriesKey('hmac_slo_collector_readings', {})), 20);
  }));

test('a job that stops pushing expires after seriesTtl, on its original schedule across a restart; a live job stays', async () => {
  const tmp = tempDir();
  // timeScale 10: ticks every second, seriesTtl 40s / 10 = 4 s.
  const config = 'timeScale: 10\ncollector:\n  seriesTtl: 40s\n';
  let c = await startCollector({ dir: tmp.dir, configYaml: config });
  try {
    const flood = 'hmac_auth_verifications_total';
    assert.equal((await push(c.url, body('flood', 1, 5))).status, 200);
    const pushedAt = Date.now();
    assert.equal((await push(c.url, body('live', 1, 1))).status, 200);
    assert.equal(await c.stop(), 0);
    // Restart when most of the TTL has passed: the flood must go within the rest of it, not a
    // whole TTL after the restart (the clock comes from the snapshot).
    await new Promise((r) => setTimeout(r, Math.max(0, pushedAt + 3_000 - Date.now())));
    c = await startCollector({ dir: tmp.dir, configYaml: config });
    const restartedAt = Date.now();
    const keepLive = setInterval(() => void push(c.url, body('live', 1, 1, 2)).catch(() => {}), 500);
    let m = await metrics(c.url);
    try {
      while (m.has(seriesKey(flood, { job: 'flood', hmac_key_id: 'k-0' })) && Date.now() - restartedAt < 10_000) {
        await new Promise((r) => setTimeout(r, 100));
        m = await metrics(c.url);
      }
    } finally {
      clearInterval(keepLive);
    }
    const goneAfter = Date.now() - restartedAt;
    assert.ok(!m.has(seriesKey(flood, { job: 'flood', hmac_key_id: 'k-0' })), 'the idle job was never dropped');
    assert.ok(goneAfter < 3_500, `dropped ${goneAfter} ms after the restart: the TTL clock restarted instead of coming from the snapshot`);
    assert.equal(m.get(seriesKey(flood, { job: 'live', hmac_key_id: 'k-0' })), 2);
    assert.equal(m.get(seriesKey('hmac_slo_collector_expired_series_total', {})), 5);
    assert.equal(m.get(seriesKey('hmac_slo_collector_jobs', {})), 1);
    // The drop is in the log and the snapshot: after another restart the flood stays gone.
    assert.equal(await c.stop(), 0);
    c = await startCollector({ dir: tmp.dir, configYaml: config });
    const after = await metrics(c.url);
    assert.ok(!after.has(seriesKey(flood, { job: 'flood', hmac_key_id: 'k-0' })));
    assert.equal(after.get(seriesKey(flood, { job: 'live', hmac_key_id: 'k-0' })), 2);
  } finally {
    await c.stop();
    tmp.cleanup();
  }
});

// 10 jobs × 5 reserved series; the other 50 of maxSeries 100 are shared.
test('a flood of series and job names leaves a later real job its reserved series; every refusal is counted by cap', () =>
  withCollector('collector:\n  limits: { maxSeries: 100, maxSeriesPerJob: 60, maxJobs: 10, reservedSeriesPerJob: 5 }\n', async (c) => {
    /** One request carrying one resource per job name. */
    const jobNames = (names: string[]) =>
      JSON.stringify({ resourceMetrics: names.map((n) => (JSON.parse(body(n, 1, 1)) as { resourceMetrics: unknown[] }).resourceMetrics[0]) });
    // The flood: 3 jobs of 60 series each, then 5 more job names.
    for (let j = 0; j < 3; j++) assert.equal((await push(c.url, body(`flood-${j}`, 1, 60))).status, 200);
    assert.equal((await push(c.url, jobNames(['a', 'b', 'c', 'd', 'e']))).status, 200);
    // A real job arrives later: its first 5 series are there, counted in full.
    const real = await push(c.url, body('payments-api', 1, 5, 7));
    assert.equal(real.status, 200);
    assert.doesNotMatch(real.text, /rejectedDataPoints/);
    // More job names than maxJobs leaves room for: one more job, the rest refused.
    const names = await push(c.url, jobNames(Array.from({ length: 10 }, (_, j) => `name-${j}`)));
    assert.match(names.text, /"rejectedDataPoints":"9".*too many jobs hold series \(maxJobs 10\)/);
    const m = await metrics(c.url);
    for (let k = 0; k < 5; k++) assert.equal(m.get(seriesKey('hmac_auth_verifications_total', { job: 'payments-api', hmac_key_id: `k-${k}` })), 7);
    assert.equal(m.get(seriesKey('hmac_slo_collector_series', {})), 76);
    assert.equal(m.get(seriesKey('hmac_slo_collector_jobs', {})), 10);
    // 3 × 60 offered in the flood jobs: 3 × 5 reserved + 50 shared held, 115 refused at maxSeries.
    assert.equal(m.get(seriesKey('hmac_slo_collector_series_overflow_total', { reason: 'max_series' })), 115);
    assert.equal(m.get(seriesKey('hmac_slo_collector_series_overflow_total', { reason: 'max_jobs' })), 9);
    assert.equal(m.get(seriesKey('hmac_slo_collector_rejected_data_points_total', { reason: 'job_limit' })), 9);
  }));

test('one job flooding new pushers (100 requests × 1,000 resources) is stopped at its share: a later job still pushes, and the refusals are counted', () =>
  withCollector('{}\n', async (c) => {
    for (let q = 0; q < 100; q++) assert.equal((await push(c.url, body('evil', 1_000, 1, 1, `e${q}`))).status, 200);
    const real = await push(c.url, body('payments', 1, 1, 10, 'pay'));
    assert.equal(real.status, 200);
    assert.doesNotMatch(real.text, /rejected/i);
    const m = await metrics(c.url);
    assert.equal(m.get(seriesKey('hmac_auth_verifications_total', { job: 'payments', hmac_key_id: 'k-0' })), 10);
    assert.equal(m.get(seriesKey('hmac_slo_collector_active_pushers', {})), 10_001);
    assert.equal(m.get(seriesKey('hmac_slo_collector_series_overflow_total', { reason: 'max_pushers_per_job' })), 90_000);
  }));
