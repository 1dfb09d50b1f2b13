/**
 * Job expiry loses no event (issue 9, review of the fix): a job whose series expired (seriesTtl)
 * and that comes back resumes its counters from their totals, so the exposed counter never goes
 * down nor restarts from 0 (a gap is no reset for Prometheus's increase()) and the SLO engine
 * counts every event — across a SIGKILL during the gap (the logged expiry replayed) and a restart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExposition, seriesKey, startCollector, tempDir, type CollectorProcess } from '../support/collector.js';
import { metricsRequest, numberMetric, pushMetrics } from './otlp-raw.js';

// timeScale 10: ticks every second, seriesTtl 20s / 10 = 2 s.
const CONFIG = 'timeScale: 10\ncollector:\n  seriesTtl: 20s\n';
const ACCEPTED = seriesKey('hmac_auth_verifications_total', { job: 'fn', hmac_outcome: 'accepted', hmac_key_id: 'k1' });
const REJECTED = seriesKey('hmac_auth_verifications_total', { job: 'fn', hmac_outcome: 'rejected', hmac_key_id: 'k1', error_type: 'replay' });

/** Deltas of accepted and rejected verifications from job `fn`. */
async function push(c: CollectorProcess, accepted: number, rejected: number): Promise<void> {
  const a = await pushMetrics(
    c.url,
    metricsRequest({ 'service.name': 'fn' }, [
      numberMetric('hmac.auth.verifications', { value: accepted, temporality: 1, monotonic: true, attrs: { 'hmac.outcome': 'accepted', 'hmac.key_id': 'k1' } }),
      numberMetric('hmac.auth.verifications', { value: rejected, temporality: 1, monotonic: true, attrs: { 'hmac.outcome': 'rejected', 'hmac.key_id': 'k1', 'error.type': 'replay' } }),
    ]),
    'json',
  );
  assert.equal(a.status, 200);
  assert.ok(!a.rejected, JSON.stringify(a));
}

const metrics = async (c: CollectorProcess) => parseExposition(await (await fetch(`${c.url}/metrics`)).text());

/** The auth-success SLO's period (30d) window of job `fn`: [events, bad events]. */
async function period(c: CollectorProcess): Promise<[number, number] | undefined> {
  const slo = (await (await fetch(`${c.url}/api/slo`)).json()) as { slos: { job: string; slo: string; windows: { window: string; events: number; badEvents: number }[] }[] };
  const w = slo.slos.find((s) => s.job === 'fn' && s.slo === 'auth-success')?.windows.find((x) => x.window === '30d');
  return w && [w.events, w.badEvents];
}

/** Polls until `done` holds (10 s at most), recording every exposed accepted total seen. */
async function until(c: CollectorProcess, seen: number[], done: (m: Map<string, number>) => Promise<boolean> | boolean): Promise<Map<string, number>> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const m = await metrics(c);
    const v = m.get(ACCEPTED);
    if (v !== undefined) seen.push(v);
    if ((await done(m)) || Date.now() > deadline) return m;
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('a job that expires and comes back resumes its totals: no event lost in /metrics or the SLO, across a SIGKILL in the gap and a restart', async () => {
  const tmp = tempDir();
  let c = await startCollector({ dir: tmp.dir, configYaml: CONFIG });
  let keepAlive: NodeJS.Timeout | undefined;
  const seen: number[] = [];
  try {
    await push(c, 100, 1);
    await until(c, seen, async () => (await period(c))?.[0] === 101);
    // No point for seriesTtl: the job's series are dropped (logged), then the process is killed.
    const gone = await until(c, seen, (m) => !m.has(ACCEPTED));
    assert.ok(!gone.has(ACCEPTED), 'the idle job never expired');
    await c.kill();
    c = await startCollector({ dir: tmp.dir, configYaml: CONFIG });
    await push(c, 150, 2);
    // Zero deltas keep the job from expiring again while the test looks.
    keepAlive = setInterval(() => void push(c, 0, 0).catch(() => {}), 400);
    const back = await until(c, seen, async () => (await period(c))?.[0] === 253);
    assert.equal(back.get(ACCEPTED), 250, 'the returning series restarted instead of resuming its total');
    assert.equal(back.get(REJECTED), 3);
    assert.deepEqual(await period(c), [253, 3]);
    clearInterval(keepAlive);
    assert.equal(await c.stop(), 0);
    c = await startCollector({ dir: tmp.dir, configYaml: CONFIG });
    const m = await metrics(c);
    assert.equal(m.get(ACCEPTED), 250);
    assert.equal(m.get(REJECTED), 3);
    assert.deepEqual(await period(c), [253, 3]);
    // The exposed counter never went down, and never lost the old total.
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! >= seen[i - 1]!, `the counter went down: ${seen.join(' ')}`);
  } finally {
    clearInterval(keepAlive);
    await c.stop();
    tmp.cleanup();
  }
});
