/**
 * Aggregator rules that are awkward to provoke through a real SDK: a cap on distinct pushers (a
 * flood of new `service.instance.id`s cannot exhaust memory), a type conflict within one family,
 * and state surviving a toJSON/fromJSON round trip with later cumulative points still attributed.
 * Expected values are worked out by hand in each test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Aggregator } from '../../src/collector/aggregate/aggregator.js';
import { MAX_FORGOTTEN_STREAMS } from '../../src/collector/aggregate/forgotten-streams.js';
import type { ResourceMetrics } from '../../src/collector/otlp/types.js';
import { testLimits } from './aggregator-test-limits.js';

const limits = testLimits({ maxSeries: 100, maxSeriesPerJob: 100, pusherTtlMs: 60_000 });

function cumulative(instance: string, value: number, start = '100', attributes: Record<string, string> = {}): ResourceMetrics[] {
  return [
    {
      resource: { 'service.name': 'svc', 'service.instance.id': instance },
      metrics: [{ name: 'hmac.auth.verifications', unit: '', description: '', data: { type: 'sum', temporality: 2, monotonic: true, points: [{ attributes, start, value }] } }],
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

test('a returning pusher: streams it had when forgotten are baselines, others count in full', () => {
  const a = new Aggregator(limits);
  const stream = (outcome: string) => ({ 'hmac.outcome': outcome });
  a.ingest(cumulative('p', 5, '100', stream('accepted')), 0);
  a.forget(a.expiredPushers(120_000), 120_000);
  // Saved and restored while forgotten: the tombstone keeps which streams the pusher had.
  const b = Aggregator.fromJSON(limits, JSON.parse(JSON.stringify(a.toJSON())));
  b.ingest(cumulative('p', 7, '100', stream('accepted')), 130_000); // baseline: +0
  b.ingest(cumulative('p', 4, '100', stream('rejected')), 130_000); // never sent before: +4
  assert.equal(total(b), 5 + 4);
  // Forgotten a second time: the streams of both forgets are baselines when it returns again.
  b.forget(b.expiredPushers(300_000), 300_000);
  b.ingest(cumulative('p', 9, '100', stream('accepted')), 310_000);
  b.ingest(cumulative('p', 6, '100', stream('rejected')), 310_000);
  b.ingest(cumulative('p', 1, '100', stream('error')), 310_000);
  assert.equal(total(b), 5 + 4 + 1);
});

test('tombstones of old snapshots and of pushers with too many streams make every earlier stream a baseline', () => {
  const a = new Aggregator(limits);
  a.ingest(cumulative('old', 5), 0);
  a.forget(a.expiredPushers(120_000), 120_000);
  const state = JSON.parse(JSON.stringify(a.toJSON()));
  state.tombstones = state.tombstones.map(([id, t]: [string, number]) => [id, t]); // as written before hashes were kept
  const b = Aggregator.fromJSON(limits, state);
  b.ingest(cumulative('old', 3, '100', { 'hmac.outcome': 'rejected' }), 130_000);
  assert.equal(total(b), 5, 'no record of its streams: counting less, never twice');
  const big = new Aggregator({ ...limits, maxSeries: MAX_FORGOTTEN_STREAMS + 10, maxSeriesPerJob: MAX_FORGOTTEN_STREAMS + 10 });
  for (let i = 0; i <= MAX_FORGOTTEN_STREAMS; i++) big.ingest(cumulative('big', 1, '100', { n: String(i) }), 0);
  big.forget(big.expiredPushers(120_000), 120_000);
  assert.equal(big.toJSON().tombstones![0]![2], null);
});

test('a pusher chosen to be forgotten that pushes before the forget is applied (the log write in between) is kept', () => {
  const a = new Aggregator(limits);
  a.ingest(cumulative('p', 10), 0);
  const ids = a.lastSeen(a.expiredPushers(100_000)); // p, idle for 100 s; the tick now logs the forget …
  assert.equal(ids.length, 1);
  a.ingest(cumulative('p', 12), 99_999); // … while p's push, logged before it, is applied
  a.forget(ids, 100_000);
  assert.equal(a.activePushers, 1, 'p pushed within the TTL: not forgotten');
  a.ingest(cumulative('p', 15), 160_000);
  assert.equal(total(a), 15, 'its 3 events after the forget are counted, not taken as a baseline');
});
