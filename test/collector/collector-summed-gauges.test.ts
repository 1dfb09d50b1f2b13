/**
 * The client gauges of several replicas of one job, through a real collector process and real
 * OpenTelemetry SDK pushers: /metrics shows the largest of the replicas' last values (the contract's
 * `acrossSources: 'max'`; not their sum, not whichever pushed last); a replica forgotten after the
 * pusher TTL takes its clients out; a SIGKILL and restart (push-log replay) and a SIGTERM and
 * restart (snapshot) give the same values, and later points neither count twice nor bring the
 * forgotten replica back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { ATTR, INSTRUMENTS } from '@hmac-slo/instrumentation/contract';
import { parseExposition, seriesKey, startCollector, tempDir, type CollectorProcess } from '../support/collector.js';
import { Pusher } from './otel-pushers.js';

const JOB = 'checkout';
const failing = seriesKey(INSTRUMENTS.authClients.prometheus, { job: JOB, hmac_scheme: 'stripe', hmac_client_state: 'failing' });
const active = seriesKey(INSTRUMENTS.authClients.prometheus, { job: JOB, hmac_scheme: 'stripe', hmac_client_state: 'active' });
const keyClients = seriesKey(INSTRUMENTS.keyClients.prometheus, { job: JOB, hmac_key_id: 'k1' });

async function metrics(c: CollectorProcess): Promise<Map<string, number>> {
  return parseExposition(await (await fetch(`${c.url}/metrics`)).text());
}

/** A replica's client window: `failing` of `active` clients, `keys` clients on key k1. */
function report(p: Pusher, activeClients: number, failingClients: number, keys: number): void {
  const scheme = { [ATTR.scheme]: 'stripe' };
  p.observed.set('authClients', [
    { value: activeClients, attributes: { ...scheme, [ATTR.clientState]: 'active' } },
    { value: failingClients, attributes: { ...scheme, [ATTR.clientState]: 'failing' } },
  ]);
  p.observed.set('keyClients', [{ value: keys, attributes: { [ATTR.keyId]: 'k1' } }]);
}

const maxes = (m: Map<string, number>) => [m.get(active), m.get(failing), m.get(keyClients)];

test('replicas\' client gauges are their largest replica\'s; a forgotten replica leaves; restarts keep it exactly', async () => {
  const tmp = tempDir();
  // timeScale 10: pusherTtl 30s → 3 s, checked every second; a and b keep pushing meanwhile.
  const short = 'timeScale: 10\ncollector:\n  pusherTtl: 30s\n';
  let c = await startCollector({ dir: tmp.dir, configYaml: short });
  const args = ['--listen', new URL(c.url).host];
  const [a, b, r] = ['a', 'b', 'c'].map(
    (instance, i) => new Pusher({ url: c.url, protocol: i === 1 ? 'json' : 'protobuf', temporality: 'cumulative', serviceName: JOB, instance }),
  ) as [Pusher, Pusher, Pusher];
  try {
    report(a, 20, 2, 3);
    report(b, 15, 4, 1);
    report(r, 10, 3, 2);
    for (const p of [a, b, r]) await p.flush();
    assert.deepEqual(maxes(await metrics(c)), [20, 4, 3], 'the largest of the three replicas, per series');
    // Pushed again unchanged (in another order): still the largest, never the last pusher's view.
    for (const p of [r, a, b]) await p.flush();
    assert.deepEqual(maxes(await metrics(c)), [20, 4, 3]);
    report(b, 15, 1, 1);
    await b.flush();
    assert.deepEqual(maxes(await metrics(c)), [20, 3, 3], 'b\'s failing clients fell: r\'s 3 lead');

    // Replica r stops pushing: once forgotten, its 3 failing clients leave (a's 2 lead).
    const deadline = Date.now() + 20_000;
    let m = await metrics(c);
    while (Date.now() < deadline && m.get(failing) !== 2) {
      await Promise.all([a.flush(), b.flush()]);
      await sleep(300);
      m = await metrics(c);
    }
    assert.deepEqual(maxes(m), [20, 2, 3], c.output());

    // SIGKILL: the forget and the pushes are replayed from the log. Restarted with a long TTL so a
    // slow start does not forget a and b too.
    const long = 'timeScale: 10\ncollector:\n  pusherTtl: 1h\n';
    await c.kill();
    c = await startCollector({ dir: tmp.dir, configYaml: long, args });
    assert.deepEqual(maxes(await metrics(c)), [20, 2, 3], c.output());
    // SIGTERM writes a snapshot; the next start loads it.
    assert.equal(await c.stop(), 0, c.output());
    c = await startCollector({ dir: tmp.dir, configYaml: long, args });
    assert.deepEqual(maxes(await metrics(c)), [20, 2, 3], c.output());
    // The readings came back with it: a's next point moves the series, b's readings are still there.
    report(a, 12, 0, 0);
    await a.flush();
    assert.deepEqual(maxes(await metrics(c)), [15, 1, 1]);
    await c.kill();
    c = await startCollector({ dir: tmp.dir, configYaml: long, args });
    assert.deepEqual(maxes(await metrics(c)), [15, 1, 1], c.output());
    // The forgotten replica comes back: its values count again.
    await r.flush();
    assert.deepEqual(maxes(await metrics(c)), [15, 3, 2]);
  } finally {
    await Promise.all([a.shutdown(), b.shutdown(), r.shutdown()]);
    await c.stop();
    tmp.cleanup();
  }
});
