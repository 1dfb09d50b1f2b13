/**
 * The aggregator's per-pusher stream cache changes nothing: two aggregators are fed the same
 * sequence of protobuf pushes, one with what the single-pass reader gives (interned, frozen
 * attribute sets: the cached road), the other with the reference decoding (fresh objects each
 * time: the key-by-key road every push took before the cache). Some pushes reach the cached one
 * through the uncached road too (as OTLP/JSON pushes would), from the same pushers. The sequence
 * mixes cumulative and delta counters (a pusher switching between them), gauges, histograms,
 * counter resets, new start times,
 * bucket changes, negative values, a type conflict, series and pusher limits, and pushers forgotten
 * and coming back. After every push the results, the state (series and readings) and the exemplars
 * must be the same.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Aggregator } from '../../src/collector/aggregate/aggregator.js';
import { decodeMetricsBody } from '../../src/collector/otlp/body.js';
import { normalizeMetrics } from '../../src/collector/otlp/normalize.js';
import { MetricsRequest } from '../../src/collector/otlp/proto.js';
import type { ResourceMetrics } from '../../src/collector/otlp/types.js';
import { readMetricsRequest } from '../../src/collector/otlp/wire.js';
import { testLimits } from './aggregator-test-limits.js';

const limits = testLimits({ maxSeries: 60, maxSeriesPerJob: 40, pusherTtlMs: 10_000, maxPushers: 6 });
const bodyLimits = { maxBodyBytes: 4 << 20, maxJsonDepth: 32 };

let seed = 7;
const rnd = (n: number) => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return (seed >>> 8) % n;
};

const kv = (key: string, v: string) => ({ key, value: { stringValue: v } });
const ATTRS = ['k1', 'k2', 'k3'].flatMap((k) => ['accepted', 'rejected'].map((o) => [kv('hmac.key_id', k), kv('hmac.outcome', o)]));

interface PusherState {
  instance: number;
  job: string;
  start: number;
  values: number[];
  buckets: number[][];
  temporality: 1 | 2;
}

function push(p: PusherState, step: number): Buffer {
  const start = String(BigInt(p.start) * 1_000_000n);
  const now = String(BigInt(1_000_000 + step) * 1_000_000n);
  const points = ATTRS.map((attributes, i) => {
    // Mostly growing; sometimes a drop (a reset) or, rarely, a negative delta.
    const r = rnd(20);
    if (p.temporality === 1) p.values[i] = r === 0 ? -1 : rnd(5);
    else p.values[i] = r === 0 ? rnd(3) : p.values[i]! + rnd(5);
    return { attributes, startTimeUnixNano: start, timeUnixNano: now, asInt: p.values[i] };
  });
  const bounds = rnd(40) === 0 ? [0.5, 1] : [0.1, 1];
  const histogram = ATTRS.slice(0, 3).map((attributes, i) => {
    const b = p.buckets[i]!;
    for (let j = 0; j < 3; j++) b[j] = p.temporality === 1 ? rnd(3) : b[j]! + rnd(3);
    if (p.temporality === 2 && rnd(25) === 0) b[0] = 0; // a bucket going down: a reset
    const count = b.reduce((x, y) => x + y, 0);
    const exemplars = rnd(4) === 0 ? [{ asDouble: rnd(20) / 10, timeUnixNano: now, traceId: Buffer.alloc(16, step & 255), spanId: Buffer.alloc(8, 1) }] : [];
    return { attributes, startTimeUnixNano: start, timeUnixNano: now, count, sum: count * 0.3, bucketCounts: [...b], explicitBounds: bounds, exemplars };
  });
  const metrics: unknown[] = [
    { name: 'hmac.auth.verifications', unit: '{verification}', sum: { aggregationTemporality: p.temporality, isMonotonic: true, dataPoints: points } },
    { name: 'hmac.auth.verification.duration', unit: 's', histogram: { aggregationTemporality: p.temporality, dataPoints: histogram } },
    { name: 'hmac.key.age', unit: 's', gauge: { dataPoints: [{ attributes: ATTRS[0], timeUnixNano: now, asDouble: step / 3 }] } },
  ];
  // A unique attribute set now and then: new series until the limits refuse them.
  if (rnd(5) === 0) metrics.push({ name: 'hmac.kms.operations', sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [{ attributes: [kv('op', `op-${step}`)], asInt: 1 }] } });
  // The same family pushed as a gauge: a type conflict for new series.
  if (rnd(30) === 0) metrics.push({ name: 'hmac.auth.verifications', gauge: { dataPoints: [{ attributes: [kv('x', String(rnd(3)))], asDouble: 1 }] } });
  const req = {
    resourceMetrics: [{ resource: { attributes: [kv('service.name', p.job), kv('service.instance.id', `i-${p.instance}`)] }, scopeMetrics: [{ scope: { name: 't' }, metrics }] }],
  };
  return Buffer.from(MetricsRequest.encode(MetricsRequest.fromObject(req)).finish());
}

const stateOf = (a: Aggregator) => ({
  state: a.toJSON(),
  exemplars: [...a.rawSeries()].map((s) => s.exemplars ?? null),
});

test('cached and uncached roads give the same results and state, push after push', () => {
  const cached = new Aggregator(limits);
  const plain = new Aggregator(limits);
  const pushers: PusherState[] = Array.from({ length: 8 }, (_, i) => ({
    instance: i,
    job: `job-${i % 2}`,
    start: 1000 + i,
    values: ATTRS.map(() => 0),
    buckets: [0, 1, 2].map(() => [0, 0, 0]),
    temporality: i % 3 === 2 ? 1 : 2,
  }));
  let now = 0;
  let viaFast = 0;
  for (let step = 0; step < 1500; step++) {
    now += 50 + rnd(200);
    const p = pushers[rnd(pushers.length)]!;
    if (rnd(60) === 0) p.start += 1; // a restart: new start time
    if (rnd(80) === 0) p.temporality = p.temporality === 1 ? 2 : 1; // reconfigured: the other temporality
    const body = push(p, step);
    const reference: ResourceMetrics[] = normalizeMetrics(decodeMetricsBody(body, 'protobuf', bodyLimits));
    const fast = readMetricsRequest(body);
    assert.ok(fast, 'the single-pass reader takes these bodies');
    // Now and then the same pusher arrives by the uncached road (as an OTLP/JSON push would).
    const input = rnd(5) === 0 ? normalizeMetrics(decodeMetricsBody(body, 'protobuf', bodyLimits)) : (viaFast++, fast);
    assert.deepStrictEqual(cached.ingest(input, now), plain.ingest(reference, now), `push ${step}`);
    assert.deepStrictEqual(stateOf(cached), stateOf(plain), `state after push ${step}`);
    if (rnd(100) === 0) {
      // Quiet for longer than the TTL: everyone is forgotten, then comes back.
      now += limits.pusherTtlMs + 1;
      const ids = cached.expiredPushers(now);
      assert.deepStrictEqual(ids, plain.expiredPushers(now));
      cached.forget(ids, now);
      plain.forget(ids, now);
    }
  }
  assert.ok(viaFast > 1000);
  const s = stateOf(plain).state;
  // The sequence did reach the situations it is meant to cover.
  assert.ok(s.overflow > 0, 'series limit reached');
  assert.ok(s.series.some(([, x]) => x.kind === 'histogram' && x.value > 0));
  assert.ok((s.tombstones ?? []).length > 0, 'pushers were forgotten');
});

test('a restored aggregator (fromJSON) continues the same way as the one it was saved from', () => {
  const a = new Aggregator(limits);
  const p: PusherState = { instance: 1, job: 'j', start: 5, values: ATTRS.map(() => 0), buckets: [0, 1, 2].map(() => [0, 0, 0]), temporality: 2 };
  for (let step = 0; step < 20; step++) a.ingest(readMetricsRequest(push(p, step))!, step);
  const b = Aggregator.fromJSON(limits, JSON.parse(JSON.stringify(a.toJSON())));
  for (let step = 20; step < 60; step++) {
    const body = push(p, step);
    assert.deepStrictEqual(b.ingest(readMetricsRequest(body)!, step), a.ingest(readMetricsRequest(body)!, step));
    assert.deepStrictEqual(b.toJSON(), a.toJSON());
  }
});
