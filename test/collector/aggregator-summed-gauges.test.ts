/**
 * Gauges the contract sums across sources (`acrossSources: 'sum'`, the replay cache size): the
 * series is the sum of each live pusher's last value, a pusher's share leaves when it is forgotten,
 * its job's series expire, or its push stops carrying that attribute set; state round trips give
 * the same sum. Gauges with `acrossSources: 'max'` (the client counts) are the largest of those
 * values, left by the same events (aggregator-max-gauges.test.ts); `last` keeps the last value.
 * Expected values are worked out by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INSTRUMENTS } from '@hmac-slo/instrumentation/contract';
import { Aggregator, type AggregatorState } from '../../src/collector/aggregate/aggregator.js';
import type { ResourceMetrics } from '../../src/collector/otlp/types.js';
import { testLimits } from './aggregator-test-limits.js';

const limits = testLimits({ maxSeries: 100, maxSeriesPerJob: 100, pusherTtlMs: 60_000 });

type Points = Record<string, number>; // key ID → value

/**
 * One push of `instance` (job svc): hmac.replay.cache.size per scheme (named like key IDs, k1…), and
 * hmac.key.info for a key ID of each name (a last-value gauge next to it).
 */
function push(instance: string, cacheSizes: Points, job = 'svc'): ResourceMetrics[] {
  const gauge = (name: string, attribute: string, points: Points) => ({
    name,
    unit: '',
    description: '',
    data: { type: 'gauge' as const, points: Object.entries(points).map(([k, value]) => ({ attributes: { [attribute]: k }, start: '', value })) },
  });
  const info = Object.fromEntries(Object.keys(cacheSizes).map((k) => [k, 1]));
  return [{
    resource: { 'service.name': job, 'service.instance.id': instance },
    metrics: [gauge(INSTRUMENTS.replayCacheSize.name, 'hmac.scheme', cacheSizes), gauge(INSTRUMENTS.keyInfo.name, 'hmac.key_id', info)],
  }];
}

function valueOf(a: Aggregator, name: string, k: string): number | undefined {
  return [...a.series()].find((s) => s.name === name && (s.attributes['hmac.key_id'] ?? s.attributes['hmac.scheme']) === k)?.value;
}
/** The summed gauge's series of scheme `k`. */
const clients = (a: Aggregator, k = 'k1') => valueOf(a, INSTRUMENTS.replayCacheSize.name, k);
const roundTrip = (a: Aggregator) => Aggregator.fromJSON(limits, JSON.parse(JSON.stringify(a.toJSON())));

test('a summed gauge is the sum of every pusher of the job; a last-value gauge is not', () => {
  const a = new Aggregator(limits);
  a.ingest(push('a', { k1: 3 }), 0);
  a.ingest(push('b', { k1: 4 }), 0);
  a.ingest(push('c', { k1: 5 }), 0);
  assert.equal(clients(a), 12);
  a.ingest(push('b', { k1: 1 }), 1000); // b's view changed: 3 + 1 + 5
  a.ingest(push('a', { k1: 3 }), 1000); // unchanged: no double counting
  assert.equal(clients(a), 9);
  assert.equal(valueOf(a, INSTRUMENTS.keyInfo.name, 'k1'), 1, 'hmac_key_info keeps the last value');
  // Another job is its own sum.
  a.ingest(push('a', { k1: 7 }, 'other'), 1000);
  assert.equal(clients(a), 9);
});

test('a forgotten pusher takes its share out of the sum; when it returns it counts once', () => {
  const a = new Aggregator(limits);
  a.ingest(push('a', { k1: 3 }), 0);
  a.ingest(push('b', { k1: 4 }), 50_000);
  const readings = a.readings;
  a.forget(a.expiredPushers(100_000), 100_000); // a idle for 100 s > 60 s
  assert.equal(clients(a), 4);
  assert.equal(a.readings, readings - 1, 'its reading is given back to the readings quota');
  a.ingest(push('a', { k1: 2 }), 110_000);
  assert.equal(clients(a), 6);
});

test('a push that carries the gauge but not an attribute set takes that set out; one without the gauge keeps it', () => {
  const a = new Aggregator(limits);
  a.ingest(push('a', { k1: 3, k2: 2 }), 0);
  a.ingest(push('b', { k1: 1, k2: 5 }), 0);
  assert.equal(clients(a, 'k2'), 7);
  a.ingest(push('a', { k1: 3 }), 1000); // a no longer observes k2
  assert.equal(clients(a, 'k2'), 5);
  assert.equal(clients(a, 'k1'), 4);
  // A push of other instruments only (an export split in two, or counters alone) takes nothing out.
  const counters: ResourceMetrics[] = [
    {
      resource: { 'service.name': 'svc', 'service.instance.id': 'b' },
      metrics: [{ name: INSTRUMENTS.verifications.name, unit: '', description: '', data: { type: 'sum', temporality: 2, monotonic: true, points: [{ attributes: {}, start: '1', value: 1 }] } }],
    },
  ];
  a.ingest(counters, 2000);
  assert.equal(clients(a, 'k2'), 5);
  // The set comes back: counted again, once.
  a.ingest(push('a', { k1: 3, k2: 1 }), 3000);
  assert.equal(clients(a, 'k2'), 6);
});

test('state round trips keep the sum; later points, forgets and omissions act on the restored readings', () => {
  const a = new Aggregator(limits);
  a.ingest(push('a', { k1: 3, k2: 1 }), 0);
  a.ingest(push('b', { k1: 4 }), 50_000);
  const b = roundTrip(a);
  assert.equal(clients(b), 7);
  b.ingest(push('a', { k1: 5 }), 60_000); // +2 on k1, and k2 omitted: its 1 goes
  assert.equal(clients(b), 9);
  assert.equal(clients(b, 'k2'), 0);
  const c = roundTrip(b);
  c.forget(c.expiredPushers(115_000), 115_000); // b idle for 65 s
  assert.equal(clients(c), 5);
  assert.deepEqual(roundTrip(c).toJSON(), c.toJSON());
});

test('an older snapshot (a summed gauge held one pusher\'s last value): the sum is rebuilt from the next points', () => {
  const a = new Aggregator(limits);
  a.ingest(push('a', { k1: 3 }), 0);
  const old = JSON.parse(JSON.stringify(a.toJSON())) as Omit<AggregatorState, 'summedGauges'> & { summedGauges?: true };
  delete old.summedGauges;
  // What the previous version wrote: pushers without readings of gauges.
  const oldPushers = old.pushers.map(([id, seen, , ...rest]) => [id, seen, [], ...rest]);
  const b = Aggregator.fromJSON(limits, { ...old, pushers: oldPushers });
  assert.equal(clients(b), undefined, 'not loaded: it was one pusher\'s view');
  assert.equal(valueOf(b, INSTRUMENTS.keyInfo.name, 'k1'), 1, 'last-value gauges load as before');
  b.ingest(push('a', { k1: 3 }), 1000);
  b.ingest(push('b', { k1: 4 }), 1000);
  assert.equal(clients(b), 7);
});

test('series expiry drops the summed readings with the series: a return starts from the new points', () => {
  const a = new Aggregator({ ...limits, seriesTtlMs: 10_000, pusherTtlMs: 600_000 });
  a.ingest(push('a', { k1: 3 }), 0);
  a.ingest(push('b', { k1: 4 }), 0);
  const readings = a.readings;
  a.dropJobs(a.expiredJobs(20_000), 20_000);
  assert.equal(clients(a), undefined);
  assert.equal(a.readings, readings - 2);
  a.ingest(push('a', { k1: 2 }), 21_000);
  assert.equal(clients(a), 2);
});

test('a summed gauge needs a reading: refused beyond maxReadings, like a cumulative counter', () => {
  const a = new Aggregator({ ...limits, maxReadings: 1 });
  a.ingest(push('a', { k1: 3 }), 0);
  const r = a.ingest(push('b', { k1: 4 }), 0);
  assert.equal(r.rejected.get('reading_limit'), 1);
  assert.equal(clients(a), 3);
});

test('the collector reads the contract: every gauge declared `sum` adds up over two pushers, every `max` takes the largest, every `last` keeps the last value', () => {
  const gauges = Object.values(INSTRUMENTS).filter((i) => i.kind === 'observable_gauge');
  assert.ok(gauges.length >= 5 && gauges.every((g) => g.acrossSources === 'sum' || g.acrossSources === 'max' || g.acrossSources === 'last'));
  for (const g of gauges) {
    const a = new Aggregator(limits);
    for (const [instance, value] of [['a', 3], ['b', 2]] as const) {
      const data = { type: 'gauge' as const, points: [{ attributes: {}, start: '', value }] };
      a.ingest([{ resource: { 'service.name': 'svc', 'service.instance.id': instance }, metrics: [{ name: g.name, unit: g.unit, description: '', data }] }], 0);
    }
    assert.equal([...a.series()][0]?.value, { sum: 5, max: 3, last: 2 }[g.acrossSources!], g.name);
  }
});

test('one pusher\'s huge or fractional value cannot leave another pusher\'s share wrong once it goes', () => {
  const a = new Aggregator(limits);
  a.ingest(push('b', { k1: 1 }), 0);
  // The sum is kept by adding each change: 1e17 + 1 is not a double, so without a bound b's 1 is
  // absorbed and, when a's value goes, the sum is 0 (then -1 once b goes too), for good.
  const r = a.ingest(push('a', { k1: 1e17 }), 0);
  assert.equal(r.accepted, 1, 'hmac.key.info is taken');
  assert.equal(r.rejected.get('not_a_count'), 1, 'a count beyond 2^53 is refused');
  assert.equal(clients(a), 1);
  a.ingest(push('a', { k1: 0.1 }), 0);
  a.ingest(push('a', { k1: 0.2 }), 0);
  a.ingest(push('a', { k1: 0 }), 0);
  assert.equal(clients(a), 1, 'fractions are refused: the sum stays exact');
  a.ingest(push('a', { k1: 2 ** 53 - 1 }), 0);
  assert.equal(clients(a), 1, 'a sum beyond 2^53 is refused');
  a.ingest(push('a', { k1: -5 }), 0);
  assert.equal(clients(a), 1, 'a negative count is refused');
  a.ingest(push('a', { k1: 4 }), 0);
  assert.equal(clients(a), 5);
  a.forget(['x'], 0);
  a.ingest(push('a', {}), 1);
  assert.equal(clients(a), 1, 'exactly b\'s share is left');
});
