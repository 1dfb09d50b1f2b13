/**
 * Gauges the contract combines by their largest source (`acrossSources: 'max'`: the client counts
 * `hmac.key.clients`, `hmac.auth.clients`): the series is the largest live pusher's last value, so
 * replicas that each saw the same clients (round-robin) count them once, and scaling out or a rolling
 * deploy (old pushers live until the pusher TTL) leaves it where it was. A reading leaves as a
 * summed gauge's does (forgotten, omitted, series expired); the series then takes the largest one
 * left. State round trips rebuild the same value, also from a snapshot of the version that summed
 * them. Expected values are worked out by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INSTRUMENTS } from '@hmac-slo/instrumentation/contract';
import { Aggregator } from '../../src/collector/aggregate/aggregator.js';
import type { ResourceMetrics } from '../../src/collector/otlp/types.js';
import { testLimits } from './aggregator-test-limits.js';

const limits = testLimits({ maxSeries: 100, maxSeriesPerJob: 100, pusherTtlMs: 60_000 });

/** One push of `instance` (job svc): hmac.key.clients per key ID. */
function push(instance: string, keyClients: Record<string, number>): ResourceMetrics[] {
  const points = Object.entries(keyClients).map(([k, value]) => ({ attributes: { 'hmac.key_id': k }, start: '', value }));
  return [{
    resource: { 'service.name': 'svc', 'service.instance.id': instance },
    metrics: [{ name: INSTRUMENTS.keyClients.name, unit: '', description: '', data: { type: 'gauge', points } }],
  }];
}
const clients = (a: Aggregator, keyId = 'k1') =>
  [...a.series()].find((s) => s.name === INSTRUMENTS.keyClients.name && s.attributes['hmac.key_id'] === keyId)?.value;
const roundTrip = (a: Aggregator) => Aggregator.fromJSON(limits, JSON.parse(JSON.stringify(a.toJSON())));

test('a max gauge is the largest pusher\'s value: replicas seeing the same clients count them once, scaling out changes nothing', () => {
  const a = new Aggregator(limits);
  for (const r of ['a', 'b', 'c']) a.ingest(push(r, { k1: 4 }), 0);
  assert.equal(clients(a), 4, 'three round-robin replicas each saw the key\'s 4 clients');
  for (const r of ['d', 'e', 'f', 'g']) a.ingest(push(r, { k1: 4 }), 1000);
  assert.equal(clients(a), 4, 'seven replicas: still 4');
  a.ingest(push('a', { k1: 9 }), 2000);
  assert.equal(clients(a), 9, 'one replica sees more: it leads');
  a.ingest(push('a', { k1: 2 }), 3000);
  assert.equal(clients(a), 4, 'and falls back to the others\' 4 when its own count drops');
});

test('a rolling deploy: old pushers still live until the pusher TTL do not raise it; once forgotten the new ones carry it', () => {
  const a = new Aggregator(limits);
  for (const r of ['old1', 'old2', 'old3']) a.ingest(push(r, { k1: 5 }), 0);
  // The new replicas' windows fill up while the old ones' last values stay.
  for (const r of ['new1', 'new2', 'new3']) a.ingest(push(r, { k1: 2 }), 30_000);
  assert.equal(clients(a), 5);
  for (const r of ['new1', 'new2', 'new3']) a.ingest(push(r, { k1: 5 }), 50_000);
  assert.equal(clients(a), 5, 'a sum would read 30 here');
  a.forget(a.expiredPushers(100_000), 100_000); // the old ones, idle for 100 s > 60 s
  assert.equal(clients(a), 5);
  a.ingest(push('new2', { k1: 3 }), 100_000);
  a.ingest(push('new1', { k1: 1 }), 100_000);
  assert.equal(clients(a), 5, 'new3 still holds 5');
  a.forget(a.expiredPushers(170_000), 170_000);
  assert.equal(clients(a), 0, 'every pusher gone: nothing left to report');
});

test('an omitted attribute set takes that pusher\'s reading out; the next largest stays', () => {
  const a = new Aggregator(limits);
  // [pusher, its push, k2's series after it]: a then b stop observing k2.
  const steps: [string, Record<string, number>, number][] = [
    ['a', { k1: 3, k2: 6 }, 6],
    ['b', { k1: 3, k2: 2 }, 6],
    ['a', { k1: 3 }, 2],
    ['b', { k1: 3 }, 0],
  ];
  for (const [i, [pusher, points, k2]] of steps.entries()) {
    a.ingest(push(pusher, points), i * 1000);
    assert.equal(clients(a, 'k2'), k2, `step ${i}`);
  }
});

test('state round trips keep the max and its readings; a snapshot from the version that summed them is read as a max', () => {
  const a = new Aggregator(limits);
  a.ingest(push('a', { k1: 3 }), 0);
  a.ingest(push('b', { k1: 7 }), 50_000);
  const b = roundTrip(a);
  assert.equal(clients(b), 7);
  b.forget(b.expiredPushers(115_000), 115_000); // both idle for more than 60 s
  assert.equal(clients(b), 0);
  const c = roundTrip(a);
  c.ingest(push('a', { k1: 4 }), 60_000);
  c.forget(c.expiredPushers(115_000), 115_000); // b idle for 65 s, a pushed 55 s ago
  assert.equal(clients(c), 4, 'the restored readings act: b leaves, a\'s 4 stays');
  assert.deepEqual(roundTrip(c).toJSON(), c.toJSON());
  // The previous version kept these series as the sum of the same per-pusher readings (10 here).
  const summed = a.toJSON();
  const sumEra = { ...summed, series: summed.series.map(([key, s]) => [key, s.name === INSTRUMENTS.keyClients.name ? { ...s, value: 10 } : s]) };
  assert.equal(clients(Aggregator.fromJSON(limits, JSON.parse(JSON.stringify(sumEra)))), 7);
});

test('not_a_count guards a max gauge: a value that is not a whole count is refused and that pusher\'s reading leaves; a huge count leads only until its pusher\'s next push', () => {
  const a = new Aggregator(limits);
  a.ingest(push('a', { k1: 4 }), 0);
  a.ingest(push('b', { k1: 6 }), 0);
  for (const [i, bad] of [1.5, -1, 2 ** 53, Number.NaN].entries()) {
    const r = a.ingest(push('b', { k1: bad }), 1000 + i);
    assert.equal(r.rejected.get('not_a_count') ?? r.rejected.get('non_finite'), 1, String(bad));
    assert.equal(clients(a), 4, `${bad}: refused as if not sent, so b's 6 leaves like an omitted set`);
  }
  a.ingest(push('b', { k1: 1e15 }), 2000);
  assert.equal(clients(a), 1e15, 'a whole count within 2^53 is taken at its word (docs/alerts.md: known limits)');
  a.ingest(push('b', { k1: 5 }), 3000);
  assert.equal(clients(a), 5);
});
