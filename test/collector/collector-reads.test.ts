/**
 * Reading never changes state: two collectors (in-process, each with its own HTTP server and state
 * directory, on one injected clock) get the same pushes and the same ticks; one of them is also
 * read (`/metrics`, `/api/slo`, `/api/slo/history`, `/api/keys`, `/api/failures`) between them.
 * Their snapshots must be equal, and so must their sample counts: only the tick samples.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { CollectorCore } from '../../src/collector/core.js';
import { CollectorServer } from '../../src/collector/server.js';
import { SelfMetrics } from '../../src/collector/self-metrics.js';
import { createPushAuth } from '../../src/collector/auth.js';
import { loadConfig } from '../../src/config/load.js';
import { postVerifications } from './otlp-json-push.js';
import { tempDir } from '../support/collector.js';

const T0 = 1_800_000_000_000;

async function serve(dir: string, now: () => number) {
  const config = loadConfig();
  const log = pino({ level: 'silent' });
  const self = new SelfMetrics();
  const core = new CollectorCore(config, dir, log, self);
  core.recover(now());
  await core.recovered;
  const auth = createPushAuth(config.collector.auth, {}, join(dir, 'push-nonces.log'));
  const server = new CollectorServer({ core, self, log, auth, now });
  const { port } = await server.listen('127.0.0.1', 0);
  const samples = () => core.selfFamilies().find((f) => f.name === 'hmac_slo_collector_samples_total')?.samples[0]?.value;
  return {
    core,
    url: `http://127.0.0.1:${port}`,
    samples,
    async close() {
      await server.close();
      core.close();
      auth.close();
    },
  };
}

async function readEverything(url: string): Promise<void> {
  for (const path of ['/metrics', '/api/slo', '/api/slo/history?job=payments&slo=auth-success', '/api/keys', '/api/failures']) {
    const res = await fetch(`${url}${path}`);
    await res.arrayBuffer();
    assert.ok(res.status === 200 || res.status === 404, `${path}: ${res.status}`);
  }
}

test('reads (/metrics, /api/*) change nothing: a collector that was read snapshots the same state and sample count as one that was not', async () => {
  const tmp = tempDir();
  let t = T0;
  const clock = () => t;
  const read = await serve(join(tmp.dir, 'read'), clock);
  const unread = await serve(join(tmp.dir, 'unread'), clock);
  try {
    const both = [read, unread];
    const push = async (values: Record<string, number>) => {
      for (const c of both) {
        const res = await postVerifications(c.url, { resources: [{ job: 'payments', instance: 'p1' }], temporality: 2, values, startNs: '1700000000000000000' });
        assert.equal(res.status, 200, await res.text());
      }
    };
    t = T0 + 1_000;
    await push({ accepted: 10, rejected: 1 });
    t = T0 + 5_000;
    await readEverything(read.url);
    t = T0 + 10_000;
    for (const c of both) await c.core.tick(t);
    t = T0 + 12_000;
    await push({ accepted: 25, rejected: 3 });
    t = T0 + 13_000;
    await readEverything(read.url);
    t = T0 + 70_000; // a new sparkline minute: a read there must not open a point either
    await readEverything(read.url);
    t = T0 + 80_000;
    for (const c of both) await c.core.tick(t);

    assert.equal(read.samples(), unread.samples(), 'reads took samples');
    for (const c of both) await c.core.snapshot(t);
    const state = (c: { url: string }) => JSON.parse(readFileSync(join(tmp.dir, c === read ? 'read' : 'unread', 'state.json'), 'utf8')) as unknown;
    assert.deepEqual(state(read), state(unread));
  } finally {
    await read.close();
    await unread.close();
    tmp.cleanup();
  }
});
