/**
 * Aggregator rules that are awkward to provoke through a real SDK: a cap on distinct pushers (a
 * flood of new `service.instance.id`s cannot exhaust memory), a type conflict within one family,
 * and state surviving a toJSON/fromJSON round trip with later cumulative points still attributed.
 * Expected values are worked out by hand in each test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Aggregator } from '../../src/collector/aggregate/aggregator.js';
import type { ResourceMetrics } from '../../src/collector/otlp/types.js';

const limits = { maxSeries: 100, maxSeriesPerJob: 100, pusherTtlMs: 60_000 };

function cumulative(instance: string, value: number, start = '100'): ResourceMetrics[] {
  return [
    {
      resource: { 'service.name': 'svc', 'service.instance.id': instance },
      metrics: [{ name: 'hmac.auth.verifications', unit: '', description: '', data: { type: 'sum', temporality: 2, monotonic: true, points: [{ attributes: {}, start, value }] } }],
    },
  ];
}

const total = (a: Aggregator) => [...a.series()].reduce((x, s) => x + s.value, 0);

test('pushes from new pushers beyond maxPushers are refused, known pushers keep going', () => {
  const a = new Aggregator({ ...limits, maxPushers: 2 });
  assert.equal(a.ingest(cumulative('a', 1), 0).accepted, 1);
  assert.equal(a.ingest(cumulative('b', 2), 0).accepted, 1);
  const refused = a.ingest(cumulative('c', 4), 0);
  assert.equal(refused.rejected.get('pusher_limit'), 1);
  assert.equal(a.ingest(cumulative('a', 5), 0).accepted, 1);
  assert.equal(total(a), 5 + 2);
  // Once a pusher is forgotten there is room again.
  a.forget(a.expiredPushers(120_000), 120_000);
  assert.equal(a.ingest(cumulative('c', 4), 120_000).accepted, 1);
  assert.equal(total(a), 5 + 2 + 4);
});

test('one family never mixes kinds: a gauge under a counter name is refused', () => {
  const a = new Aggregator(limits);
  a.ingest(cumulative('a', 3), 0);
  const gauge: ResourceMetrics[] = [
    {
      resource: { 'service.name': 'other' },
      metrics: [{ name: 'hmac.auth.verifications', unit: '', description: '', data: { type: 'gauge', points: [{ attributes: {}, start: '', value: 1 }] } }],
    },
  ];
  const r = a.ingest(gauge, 0);
  assert.equal(r.rejected.get('type_conflict'), 1);
});

test('state round trip keeps totals and per-pusher readings', () => {
  const a = new Aggregator(limits);
  a.ingest(cumulative('a', 10), 0);
  a.ingest(cumulative('a', 12), 0);
  const b = Aggregator.fromJSON(limits, JSON.parse(JSON.stringify(a.toJSON())));
  assert.equal(total(b), 12);
  b.ingest(cumulative('a', 15), 0); // +3, not +15
  assert.equal(total(b), 15);
  b.ingest(cumulative('a', 2, '200'), 0); // restart: new start time, +2
  assert.equal(total(b), 17);
  assert.throws(() => Aggregator.fromJSON(limits, { version: 2 }), /not aggregator state/);
});
