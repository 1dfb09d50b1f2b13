/**
 * The reviewer's reproduction (issue 12 §3): `service.version` is a label by default, so each deploy
 * gives the job a new set of series. A real collector with a small `maxSeriesPerJob` goes through
 * deploys cycling `service.version`: the newest version is never refused (old versions' series leave
 * seriesTtl after their last pusher is forgotten), and `/api/slo` counts exactly the events pushed
 * across every drop — an old version's series leaving is no counter reset — also across a SIGKILL
 * after a logged drop and the restart that replays it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExposition, startCollector, tempDir, type CollectorProcess } from '../support/collector.js';
import { metricsRequest, numberMetric, pushMetrics } from './otlp-raw.js';

// timeScale 10: ticks and samples every second; pusherTtl 1 s, seriesTtl 2 s. Two series per
// version (accepted, rejected): the cap holds two versions, never a third.
const CONFIG = [
  'timeScale: 10',
  'collector:',
  '  samplePeriod: 5s',
  '  pusherTtl: 10s',
  '  seriesTtl: 20s',
  '  limits:',
  '    maxSeriesPerJob: 4',
  '    reservedSeriesPerJob: 2',
  '',
].join('\n');

interface Pushed {
  events: number;
  bad: number;
}

/** One push of version `version`'s pod: deltas of accepted and rejected verifications. */
async function push(c: CollectorProcess, version: string, accepted: number, rejected: number, pushed: Pushed): Promise<void> {
  const r = await pushMetrics(
    c.url,
    metricsRequest({ 'service.name': 'api', 'service.instance.id': `pod-${version}`, 'service.version': version }, [
      numberMetric('hmac.auth.verifications', { value: accepted, temporality: 1, monotonic: true, attrs: { 'hmac.outcome': 'accepted', 'hmac.key_id': 'k1' } }),
      numberMetric('hmac.auth.verifications', { value: rejected, temporality: 1, monotonic: true, attrs: { 'hmac.outcome': 'rejected', 'hmac.key_id': 'k1', 'error.type': 'replay' } }),
    ]),
    'json',
  );
  assert.equal(r.status, 200);
  assert.ok(!r.rejected, `version ${version} refused: ${JSON.stringify(r)}`);
  pushed.events += accepted + rejected;
  pushed.bad += rejected;
}

/** The auth-success SLO's 30d window of job `api`: [events, bad events]. */
async function period(c: CollectorProcess): Promise<[number, number] | undefined> {
  const slo = (await (await fetch(`${c.url}/api/slo`)).json()) as { slos: { job: string; slo: string; windows: { window: string; events: number; badEvents: number }[] }[] };
  const w = slo.slos.find((s) => s.job === 'api' && s.slo === 'auth-success')?.windows.find((x) => x.window === '30d');
  return w && [w.events, w.badEvents];
}

/** Exposed versions of job api's verification series. */
async function versions(c: CollectorProcess): Promise<string[]> {
  const m = parseExposition(await (await fetch(`${c.url}/metrics`)).text());
  const out = new Set<string>();
  for (const k of m.keys()) if (k.startsWith('hmac_auth_verifications_total{') && k.includes('job=api,')) out.add(/service_version=([^,}]*)/.exec(k)?.[1] ?? '');
  return [...out].sort();
}

/** Waits until `done` (10 s at most); returns the last value of `read`. */
async function until<T>(read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const v = await read();
    if (done(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** The job's pods: the current version pushes every 200 ms in the background (a deploy switches it). */
class Fleet {
  version = '';
  readonly pushed: Pushed = { events: 0, bad: 0 };
  error: unknown;
  private running: Promise<void> | undefined;
  private stopped = true;
  constructor(public c: CollectorProcess) {}
  start(version: string): void {
    this.version = version;
    if (!this.stopped) return;
    this.stopped = false;
    this.running = (async () => {
      for (let i = 0; !this.stopped; i++) {
        try {
          await push(this.c, this.version, 3, i % 4 === 0 ? 1 : 0, this.pushed);
        } catch (e) {
          this.error ??= e;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
  }
  /** Stops pushing once the push in flight is answered (so `pushed` is final). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
    if (this.error) throw this.error;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('deploys cycling service.version: the newest version is never refused, and /api/slo counts exactly the events pushed across drops and a SIGKILL', async () => {
  const tmp = tempDir();
  let c = await startCollector({ dir: tmp.dir, configYaml: CONFIG });
  const fleet = new Fleet(c);
  const { pushed } = fleet;
  try {
    for (const v of ['1.0.0', '1.1.0', '1.2.0']) {
      fleet.start(v);
      await sleep(3000);
      // The previous version left while this one pushes.
      assert.deepEqual(await until(() => versions(c), (x) => x.length === 1), [v]);
    }
    await fleet.stop();
    // Each event counted once across the drops (a drop read as a reset would count the job's total again).
    assert.deepEqual(await until(() => period(c), (p) => p?.[0] === pushed.events), [pushed.events, pushed.bad]);
    fleet.start('1.3.0');
    await sleep(3000);
    // 1.2.0 left (logged); the process is killed and the restart replays the drop.
    assert.deepEqual(await until(() => versions(c), (x) => x.length === 1), ['1.3.0']);
    await fleet.stop();
    await c.kill();
    c = fleet.c = await startCollector({ dir: tmp.dir, configYaml: CONFIG });
    assert.deepEqual(await versions(c), ['1.3.0']);
    assert.deepEqual(await until(() => period(c), (p) => p?.[0] === pushed.events), [pushed.events, pushed.bad]);
    fleet.start('1.4.0');
    await sleep(3000);
    assert.deepEqual(await until(() => versions(c), (x) => x.length === 1), ['1.4.0']);
    await fleet.stop();
    assert.deepEqual(await until(() => period(c), (p) => p?.[0] === pushed.events), [pushed.events, pushed.bad]);
    // Nothing more comes: later samples count nothing again.
    await sleep(1500);
    assert.deepEqual(await period(c), [pushed.events, pushed.bad]);
  } finally {
    await fleet.stop().catch(() => {});
    await c.stop();
    tmp.cleanup();
  }
});
