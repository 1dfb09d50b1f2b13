/**
 * Snapshots written as a stream (issue 9, finding 5): the JSON comes out in pieces equal to
 * `JSON.stringify`'s, and a snapshot written while pushes go on is the state at its log boundary —
 * pushes applied during the write (they change readings in place) are neither in it nor lost.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import pino from 'pino';
import { ATTR, INSTRUMENTS } from '@hmac-slo/instrumentation/contract';
import { jsonChunks, LazyJsonArray, NonFiniteError } from '../../src/collector/state/json-chunks.js';
import { CollectorCore } from '../../src/collector/core.js';
import { SelfMetrics } from '../../src/collector/self-metrics.js';
import { loadConfig } from '../../src/config/load.js';
import { decodeMetrics } from '../../src/collector/otlp/body.js';
import { tempDir } from '../support/collector.js';

/** A lazy array of `n` elements made by `f`. */
class Lazy extends LazyJsonArray<unknown> {
  constructor(
    readonly length: number,
    private readonly f: (i: number) => unknown,
  ) {
    super();
  }
  at(i: number): unknown {
    return this.f(i);
  }
}

test('the JSON pieces join to what JSON.stringify writes; a non-finite number is an error', () => {
  const long = (n: number, f: (i: number) => unknown) => Array.from({ length: n }, (_, i) => f(i));
  const values: unknown[] = [
    1,
    'text',
    null,
    [],
    {},
    { a: undefined, b: [1, undefined, () => 1], c: { d: [] } },
    long(300, (i) => (i % 7 ? { i, u: undefined } : [i, long(100, (j) => j)])),
    { x: { y: long(1000, (i) => [String(i), { v: i, w: [i] }]) } },
    [['id', 1, long(70, () => undefined), null]],
    { pushers: [['id', 1, new Lazy(1000, (i) => [`k${i}`, { start: '', value: i }]), null], ['none', 2, new Lazy(0, () => 0), null]] },
  ];
  for (const v of values) assert.equal([...jsonChunks(v)].join(''), JSON.stringify(v));
  assert.throws(() => [...jsonChunks({ series: long(100, (i) => [i, { value: i === 99 ? Infinity : i }]) })], NonFiniteError);
  assert.throws(() => [...jsonChunks({ sum: NaN })], NonFiniteError);
  assert.throws(() => [...jsonChunks([new Lazy(300, (i) => (i === 299 ? -Infinity : i))])], NonFiniteError);
});

/** One cumulative push: `points` streams of `pusher`, each at `value`. */
function cumulative(pusher: string, points: number, value: number): Buffer {
  const attr = (key: string, v: string) => ({ key, value: { stringValue: v } });
  const dataPoints = Array.from({ length: points }, (_, k) => ({
    attributes: [attr(ATTR.outcome, 'accepted'), attr(ATTR.keyId, `key-${k}-${'k'.repeat(40)}`)],
    startTimeUnixNano: '1700000000000000000',
    timeUnixNano: '1700000000000000000',
    asInt: String(value),
  }));
  const resource = { attributes: [attr('service.name', 'copy'), attr('service.instance.id', pusher)] };
  const sum = { aggregationTemporality: 2, isMonotonic: true, dataPoints };
  return Buffer.from(JSON.stringify({ resourceMetrics: [{ resource, scopeMetrics: [{ metrics: [{ name: INSTRUMENTS.verifications.name, sum }] }] }] }));
}

test('a snapshot written while pushes go on holds the state at its log boundary; a restart counts every push once', async () => {
  const tmp = tempDir();
  const state = join(tmp.dir, 'state');
  const config = loadConfig();
  const silent = pino({ level: 'silent' });
  const total = (core: CollectorCore) => [...core.rawSeries()].reduce((a, s) => a + s.value, 0);
  try {
    const self = new SelfMetrics();
    const core = new CollectorCore(config, state, silent, self);
    core.recover();
    await core.recovered;
    const ingest = (body: Buffer) => core.ingestMetrics(decodeMetrics(body, 'json', config.collector.limits), Date.now(), body, 'json');
    // Several MiB of readings, so the snapshot takes several pieces (and turns) to write; the
    // pusher that moves on during the write is the last one, written last.
    for (let p = 0; p < 30; p++) await ingest(cumulative(`bulk-${p}`, 2000, 1));
    await ingest(cumulative('moving', 2000, 10));
    const before = total(core);
    let turns = 0;
    let ticking = true;
    const tick = () => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const snapshot = core.snapshot(Date.now());
    // Applied while the snapshot is written: the readings change in place from 10 to 15.
    await new Promise((r) => setImmediate(r));
    await ingest(cumulative('moving', 2000, 15));
    await snapshot;
    ticking = false;
    assert.equal(self.snapshotErrors, 0);
    assert.ok(turns > 3, `requests could run during the write (${turns} turns)`);
    assert.equal(total(core), before + 2000 * 5);
    core.close();

    const again = new CollectorCore(config, state, silent);
    again.recover();
    await again.recovered;
    assert.equal(total(again), before + 2000 * 5, 'the push after the boundary is replayed on top of the snapshot, once');
    again.close();
  } finally {
    tmp.cleanup();
  }
});
