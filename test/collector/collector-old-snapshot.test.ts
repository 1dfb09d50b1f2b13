/**
 * A snapshot written by the collector at commit e35c474 (fixtures/state-e35c474.json: before
 * summed gauges, per-series readings in the SLO engine and key usage, and resource label expiry),
 * loaded by a real collector process: the pushers' next points continue their streams without
 * counting anything twice or losing it, the summed gauge (which then held one pusher's last value)
 * is rebuilt as the sum, and a SIGKILL and replay after that keep it all exact.
 * The fixture's pushes are in old-snapshot-push.ts; its times are moved to now before loading.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { INSTRUMENTS } from '@hmac-slo/instrumentation/contract';
import { afterNextSample, parseExposition, seriesKey, startCollector, tempDir, type CollectorProcess } from '../support/collector.js';
import type { SloApiResponse } from '../../src/collector/model.js';
import { OLD_SNAPSHOT_JOB as JOB, oldSnapshotPush } from './old-snapshot-push.js';

const CONFIG = 'collector:\n  samplePeriod: 1s\n';
const base = { job: JOB, hmac_key_id: 'k1', hmac_scheme: 'stripe' };
const accepted = seriesKey(INSTRUMENTS.verifications.prometheus, { ...base, hmac_outcome: 'accepted' });
const rejected = seriesKey(INSTRUMENTS.verifications.prometheus, { ...base, error_type: 'signature_mismatch', hmac_outcome: 'rejected' });
const clients = seriesKey(INSTRUMENTS.authClients.prometheus, { job: JOB, hmac_client_state: 'active', hmac_scheme: 'stripe' });

/** The fixture with every epoch-millisecond time moved by the time since it was saved. */
function fixtureNow(): string {
  const snap = JSON.parse(readFileSync(new URL('fixtures/state-e35c474.json', import.meta.url), 'utf8')) as { savedAtMs: number };
  const shift = Date.now() - 1000 - snap.savedAtMs;
  const move = (v: unknown): unknown => {
    if (typeof v === 'number') return v > 1.6e12 && v < 2.2e12 ? v + shift : v;
    if (Array.isArray(v)) return v.map(move);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, move(x)]));
    return v;
  };
  return JSON.stringify(move(snap));
}

async function metrics(c: CollectorProcess): Promise<[number | undefined, number | undefined, number | undefined]> {
  const m = parseExposition(await (await fetch(`${c.url}/metrics`)).text());
  return [m.get(accepted), m.get(rejected), m.get(clients)];
}

/** auth-success over its period: [events, bad events]. */
async function period(c: CollectorProcess): Promise<[number, number]> {
  await afterNextSample(c.url);
  const slo = ((await (await fetch(`${c.url}/api/slo`)).json()) as SloApiResponse).slos.find((s) => s.job === JOB && s.slo === 'auth-success')!;
  const w = slo.windows.find((x) => x.window === slo.period)!;
  return [w.events, w.badEvents];
}

test('a snapshot from e35c474 loads: the next points neither double count nor drop events; the client gauge is rebuilt; a SIGKILL after keeps it', async () => {
  const tmp = tempDir();
  mkdirSync(join(tmp.dir, 'state'));
  writeFileSync(join(tmp.dir, 'state', 'state.json'), fixtureNow());
  let c = await startCollector({ dir: tmp.dir, configYaml: CONFIG });
  try {
    // Saved: a pushed 10 accepted and 2 rejected, b 5 accepted; the gauge held b's 4 clients alone.
    assert.deepEqual(await metrics(c), [15, 2, undefined], 'counters as saved; the old single-pusher gauge is not loaded');
    assert.deepEqual(await period(c), [17, 2], 'the SLO as saved');
    await oldSnapshotPush(c.url, 'a', { accepted: 13, rejected: 2, clients: 3 });
    await oldSnapshotPush(c.url, 'b', { accepted: 5, rejected: 0, clients: 4 });
    assert.deepEqual(await metrics(c), [18, 2, 4], 'a\'s 3 new acceptances once; the gauge is the larger of both pushers\' (acrossSources max)');
    assert.deepEqual(await period(c), [20, 2], 'the SLO counts the 3 new events once');
    await oldSnapshotPush(c.url, 'b', { accepted: 6, rejected: 1, clients: 2 });
    await c.kill();
    c = await startCollector({ dir: tmp.dir, configYaml: CONFIG });
    assert.deepEqual(await metrics(c), [19, 3, 3], 'the replay gives the same totals and gauge');
    assert.deepEqual(await period(c), [22, 3], 'the replay counts b\'s 2 events once');
    await oldSnapshotPush(c.url, 'a', { accepted: 14, rejected: 2, clients: 3 });
    assert.deepEqual(await metrics(c), [20, 3, 3]);
    assert.deepEqual(await period(c), [23, 3]);
  } finally {
    await c.stop();
    tmp.cleanup();
  }
});
