/**
 * Persistence and pusher lifecycle on a real process: a SIGKILL loses no acknowledged push (deltas
 * included) and cumulative pushers are attributed correctly afterwards; SIGTERM exits 0 with the
 * state written; a corrupt snapshot or a torn log line is survived with a clear log line; an idle
 * pusher is forgotten after the TTL while its counts stay, and is not counted twice when it returns.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ATTR, INSTRUMENTS } from '@hmac-slo/instrumentation/contract';
import { parseExposition, seriesKey, startCollector, tempDir, type CollectorProcess } from '../support/collector.js';
import { Pusher } from './otel-pushers.js';
import { postVerifications } from './otlp-json-push.js';

const V = INSTRUMENTS.verifications.prometheus;
const acc = { [ATTR.outcome]: 'accepted' };
const key = (job: string) => seriesKey(V, { job, hmac_outcome: 'accepted' });

async function metrics(c: CollectorProcess): Promise<Map<string, number>> {
  return parseExposition(await (await fetch(`${c.url}/metrics`)).text());
}

test('SIGKILL loses no acknowledged push; cumulative pushers continue correctly; SIGTERM exits 0', async () => {
  const tmp = tempDir();
  // The first start binds a port the OS picks (no probe-then-bind race with other processes); the
  // restarts keep it, so the same SDK pushers keep pushing to the restarted process.
  let c = await startCollector({ dir: tmp.dir });
  const args = ['--listen', new URL(c.url).host];
  try {
    const cum = new Pusher({ url: c.url, protocol: 'json', temporality: 'cumulative', serviceName: 'svc', instance: 'r1' });
    const delta = new Pusher({ url: c.url, protocol: 'protobuf', temporality: 'delta', serviceName: 'svc', instance: 'r2' });
    cum.verifications.add(10, acc);
    await cum.flush();
    delta.verifications.add(4, acc);
    await delta.flush();
    delta.verifications.add(3, acc);
    await delta.flush();
    let expected = 17;
    assert.equal((await metrics(c)).get(key('svc')), expected);

    await c.kill(); // SIGKILL: no snapshot written since start, everything is in the push log
    c = await startCollector({ dir: tmp.dir, args });
    assert.equal((await metrics(c)).get(key('svc')), expected, c.output());

    // The cumulative pusher carries on (its total is now 15): only the increase of 5 is new.
    cum.verifications.add(5, acc);
    await cum.flush();
    expected += 5;
    delta.verifications.add(1, acc);
    await delta.flush();
    expected += 1;
    assert.equal((await metrics(c)).get(key('svc')), expected);

    await c.kill();
    c = await startCollector({ dir: tmp.dir, args });
    cum.verifications.add(2, acc); // cumulative 17 after a second SIGKILL: +2
    await cum.flush();
    expected += 2;
    await cum.restart(); // the service restarts: counts from zero, all new
    cum.verifications.add(3, acc);
    await cum.flush();
    expected += 3;
    assert.equal((await metrics(c)).get(key('svc')), expected);

    assert.equal(await c.stop(), 0, c.output());
    assert.ok(existsSync(join(tmp.dir, 'state', 'state.json')));
    c = await startCollector({ dir: tmp.dir, args });
    assert.equal((await metrics(c)).get(key('svc')), expected);
    cum.verifications.add(1, acc);
    await cum.flush();
    assert.equal((await metrics(c)).get(key('svc')), expected + 1);
    await Promise.all([cum.shutdown(), delta.shutdown()]);
  } finally {
    await c.stop();
    tmp.cleanup();
  }
});

test('a corrupt snapshot is moved aside and a torn log line skipped, with a log line, never a crash', async () => {
  const tmp = tempDir();
  let c = await startCollector({ dir: tmp.dir });
  try {
    assert.equal(await c.stop(), 0);
    const state = join(tmp.dir, 'state');
    writeFileSync(join(state, 'state.json'), '{"version":1,"nextLog":');
    const log = readdirSync(state).find((f) => f.startsWith('log-'))!;
    appendFileSync(join(state, log), Buffer.from([0xa5, 1, 0, 0])); // torn: a write the process died in
    writeFileSync(join(state, 'log-999.bin'), Buffer.from('not a push log at all'));
    c = await startCollector({ dir: tmp.dir });
    assert.equal((await fetch(`${c.url}/readyz`)).status, 200);
    assert.match(c.output(), /state file unreadable: moved aside/);
    assert.ok(readdirSync(state).some((f) => f.startsWith('state.json.corrupt-')));
    assert.match(c.output(), /bad record marker at byte 0/);
    assert.ok(readdirSync(state).some((f) => f.startsWith('log-999.bin.corrupt-')));
  } finally {
    await c.stop();
    tmp.cleanup();
  }
});

/** Polls /metrics until no pusher is active (all forgotten after the TTL); returns the last exposition. */
async function untilForgotten(c: CollectorProcess): Promise<Map<string, number>> {
  const deadline = Date.now() + 15_000;
  let m = await metrics(c);
  while (Date.now() < deadline && m.get(seriesKey('hmac_slo_collector_active_pushers', {})) !== 0) {
    await new Promise((r) => setTimeout(r, 200));
    m = await metrics(c);
  }
  assert.equal(m.get(seriesKey('hmac_slo_collector_active_pushers', {})), 0, 'pushers forgotten');
  return m;
}

test('an idle pusher is forgotten after the TTL, its counts stay, and a return is not double counted', async () => {
  const tmp = tempDir();
  // timeScale 10: pusherTtl 30s → 3 s, checked every second. The TTL must comfortably exceed the
  // gaps between the pushes below that expect the pusher still known (two flushes and a scrape,
  // slow on a loaded machine); with a 1 s TTL a pusher could be forgotten between them.
  const c = await startCollector({ dir: tmp.dir, configYaml: 'timeScale: 10\ncollector:\n  pusherTtl: 30s\n' });
  try {
    const p = new Pusher({ url: c.url, protocol: 'protobuf', temporality: 'cumulative', serviceName: 'idle', instance: 'e1' });
    const q = new Pusher({ url: c.url, protocol: 'json', temporality: 'cumulative', serviceName: 'idle', instance: 'e2' });
    p.verifications.add(5, acc);
    await p.flush();
    q.verifications.add(3, acc);
    await q.flush();
    assert.equal((await metrics(c)).get(seriesKey('hmac_slo_collector_active_pushers', {})), 2);
    const m = await untilForgotten(c);
    assert.equal(m.get(key('idle')), 8, 'counts stay');
    // p comes back with the same cumulative stream (now 7). Its reading was forgotten, so the 2 added
    // while it was away cannot be told apart: its first reading is a baseline — never 7 counted again.
    p.verifications.add(2, acc);
    await p.flush();
    assert.equal((await metrics(c)).get(key('idle')), 8);
    p.verifications.add(1, acc);
    await p.flush();
    assert.equal((await metrics(c)).get(key('idle')), 9);
    // q restarts (new start time, after it was forgotten): all of its new counts are new.
    await q.restart();
    q.verifications.add(4, acc);
    await q.flush();
    assert.equal((await metrics(c)).get(key('idle')), 13);
    await Promise.all([p.shutdown(), q.shutdown()]);
  } finally {
    await c.stop();
    tmp.cleanup();
  }
});

test('a forgotten pusher that returns with a stream it never sent counts it in full, across SIGKILL restarts', async () => {
  const tmp = tempDir();
  // As above: pusherTtl 30s at timeScale 10 is 3 s.
  const configYaml = 'timeScale: 10\ncollector:\n  pusherTtl: 30s\n';
  let c = await startCollector({ dir: tmp.dir, configYaml });
  const args = ['--listen', new URL(c.url).host];
  const rejected = seriesKey(V, { job: 'back', hmac_outcome: 'rejected' });
  // Every stream of the pusher starts when its process did, long before it is forgotten.
  const started = String(BigInt(Date.now() - 60_000) * 1_000_000n);
  const push = async (values: Record<string, number>) => {
    const res = await postVerifications(c.url, { resources: [{ job: 'back', instance: 'b1' }], temporality: 2, startNs: started, values });
    assert.equal(res.status, 200, await res.text());
  };
  try {
    await push({ accepted: 5 });
    await untilForgotten(c);
    // The forget is in the push log only: a SIGKILL now makes the next start replay it; that start
    // folds it into a snapshot, which the start after the second SIGKILL loads.
    await c.kill();
    c = await startCollector({ dir: tmp.dir, configYaml, args });
    await c.kill();
    c = await startCollector({ dir: tmp.dir, configYaml, args });
    // The pusher comes back with its old stream (a baseline: never counted twice) and a new one it
    // never sent before, which counts in full although it started before the forget.
    await push({ accepted: 7, rejected: 4 });
    let m = await metrics(c);
    assert.equal(m.get(key('back')), 5, 'the old stream is a baseline');
    assert.equal(m.get(rejected), 4, 'the new stream counts in full');
    await push({ accepted: 8, rejected: 5 });
    m = await metrics(c);
    assert.deepEqual([m.get(key('back')), m.get(rejected)], [6, 5]);
  } finally {
    await c.stop();
    tmp.cleanup();
  }
});

test('snapshots taken while pushes stream in lose and double nothing across a SIGKILL', async () => {
  const tmp = tempDir();
  // timeScale 30: a snapshot every 2 s, so several happen while the pushes below run.
  let c = await startCollector({ dir: tmp.dir, configYaml: 'timeScale: 30\n' });
  try {
    const push = (instance: string, value: number, startNs: string) =>
      postVerifications(c.url, { resources: [{ job: 'stream', instance }], temporality: instance.startsWith('d') ? 1 : 2, startNs, values: { accepted: value } });
    let acknowledged = 0;
    // Push for at least 4.5 s and until two snapshots have been taken meanwhile (a loaded machine
    // can stretch the 2 s period), with a 60 s deadline.
    const snapshots = seriesKey('hmac_slo_collector_snapshots_total', {});
    const minUntil = Date.now() + 4500;
    let streaming = true;
    const watcher = (async () => {
      for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(200)) {
        if (Date.now() >= minUntil && ((await metrics(c)).get(snapshots) ?? 0) >= 2) break;
      }
      streaming = false;
    })();
    // Four delta pushers (each acknowledged push adds 1) and four cumulative ones (each acknowledged
    // push raises the total to its value, so only the last acknowledged value counts).
    const lastCumulative = new Map<string, number>();
    await Promise.all(
      [0, 1, 2, 3, 4, 5, 6, 7].map(async (i) => {
        const instance = i < 4 ? `d${i}` : `c${i}`;
        for (let n = 1; streaming; n++) {
          const res = await push(instance, i < 4 ? 1 : n, '1700000000000000000');
          await res.arrayBuffer();
          if (res.status !== 200) continue;
          if (i < 4) acknowledged++;
          else lastCumulative.set(instance, n);
        }
      }),
    );
    await watcher;
    const expected = acknowledged + [...lastCumulative.values()].reduce((a, b) => a + b, 0);
    const before = await metrics(c);
    assert.ok(before.get(seriesKey('hmac_slo_collector_snapshots_total', {}))! >= 2, 'snapshots happened during the pushes');
    assert.equal(before.get(key('stream')), expected);
    await c.kill();
    c = await startCollector({ dir: tmp.dir, configYaml: 'timeScale: 30\n' });
    assert.equal((await metrics(c)).get(key('stream')), expected, c.output());
  } finally {
    await c.stop();
    tmp.cleanup();
  }
});
