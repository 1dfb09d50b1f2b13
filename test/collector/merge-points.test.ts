/**
 * Points that the collector's attribute bounding gave one attribute set are merged as the SDK would
 * have aggregated them (merge-points.ts): counts and buckets add up, a last-value gauge keeps the
 * last value, a summed gauge adds up, a client count (acrossSources 'max') takes the largest,
 * histograms with other buckets are left for the aggregator.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INSTRUMENTS } from '@hmac-slo/instrumentation/contract';
import { mergeSameAttributes } from '../../src/collector/merge-points.js';
import { newCleanup, withBoundedAttributes } from '../../src/collector/point-attributes.js';
import type { HistogramPoint, Metric, NumberPoint } from '../../src/collector/otlp/types.js';

const other = { 'hmac.outcome': 'rejected', 'error.type': 'other' };
const num = (value: number, attributes: Record<string, string> = other): NumberPoint => ({ attributes, start: '1', value });
const metric = (name: string, data: Metric['data']): Metric => ({ name, unit: '', description: '', data });

test('sums add up per attribute set, in the place of the first; other sets stay', () => {
  const points = [num(2), num(5, { 'hmac.outcome': 'accepted' }), num(3)];
  const m = metric(INSTRUMENTS.verifications.name, { type: 'sum', temporality: 2, monotonic: true, points });
  assert.deepEqual(mergeSameAttributes(m, points), [num(5), num(5, { 'hmac.outcome': 'accepted' })]);
});

test('a last-value gauge keeps the last value; a summed gauge adds up; a client count takes the largest', () => {
  const points = [num(1), num(1)];
  assert.deepEqual(mergeSameAttributes(metric(INSTRUMENTS.keyInfo.name, { type: 'gauge', points }), points), [num(1)]);
  const cache = [num(2), num(3)];
  assert.deepEqual(mergeSameAttributes(metric(INSTRUMENTS.replayCacheSize.name, { type: 'gauge', points: cache }), cache), [num(5)]);
  // acrossSources 'max' (the hub, prom-client workers and the replicas combine them so): added up,
  // one client seen by two sources would count twice, and the same in the other order.
  for (const name of [INSTRUMENTS.authClients.name, INSTRUMENTS.keyClients.name]) {
    for (const clients of [[num(3), num(2)], [num(2), num(3)]]) {
      assert.deepEqual(mergeSameAttributes(metric(name, { type: 'gauge', points: clients }), clients), [num(3)], name);
    }
  }
});

test('histograms add bucket by bucket; with other bounds both are left as they are', () => {
  const h = (counts: number[], bounds = [0.1, 1], exemplars?: HistogramPoint['exemplars']): HistogramPoint => ({
    attributes: other, start: '1', bounds, counts, count: counts.reduce((a, b) => a + b, 0), sum: counts.length, ...(exemplars ? { exemplars } : {}),
  });
  const ex = { value: 0.2, timeUnixMs: 1, traceId: 'ab', spanId: 'cd' };
  const points = [h([1, 2, 3]), h([4, 5, 6], [0.1, 1], [ex])];
  const m = metric(INSTRUMENTS.verificationDuration.name, { type: 'histogram', temporality: 2, points });
  assert.deepEqual(mergeSameAttributes(m, points), [{ ...h([5, 7, 9]), sum: 6, exemplars: [ex] }]);
  const mismatched = [h([1, 2, 3]), h([1, 2, 3], [0.5, 1])];
  assert.deepEqual(mergeSameAttributes(m, mismatched), mismatched);
});

test('a point the aggregator would refuse on its own is not merged: it is refused as sent, and the point it shares a set with keeps its value', () => {
  const counter = metric(INSTRUMENTS.verifications.name, { type: 'sum', temporality: 1, monotonic: true, points: [] });
  const negative = [num(10), num(-3), num(2)];
  assert.deepEqual(mergeSameAttributes(counter, negative), [num(12), num(-3)]);
  const clients = metric(INSTRUMENTS.authClients.name, { type: 'gauge', points: [] });
  const notCounts = [num(3), num(0.5), num(2)];
  assert.deepEqual(mergeSameAttributes(clients, notCounts), [num(3), num(0.5)]);
  const h = (counts: number[], count = counts.reduce((a, b) => a + b, 0)): HistogramPoint => ({ attributes: other, start: '1', bounds: [0.1, 1], counts, count, sum: 1 });
  const duration = metric(INSTRUMENTS.verificationDuration.name, { type: 'histogram', temporality: 1, points: [] });
  // A negative bucket, and a count that is not the buckets' sum: each refused as it would be alone.
  const bad = [h([1, 2, 3]), h([5, -1, 0]), h([1, 1, 1], 9), h([1, 0, 0])];
  assert.deepEqual(mergeSameAttributes(duration, bad), [{ ...h([2, 2, 3]), sum: 2 }, h([5, -1, 0]), h([1, 1, 1], 9)]);
});

test('two points of one stream in a request (its readings, e.g. two exports compacted into one request) are not added up: a cumulative reading replaces the one before, deltas add up; points of other streams that became the set add up', () => {
  const unknown = { 'hmac.outcome': 'rejected', 'error.type': 'a_newer_reason' };
  const another = { 'hmac.outcome': 'rejected', 'error.type': 'another_newer_reason' };
  const bounded = (temporality: 1 | 2, points: NumberPoint[]) => {
    const cleanup = newCleanup();
    const [m] = withBoundedAttributes([metric(INSTRUMENTS.verifications.name, { type: 'sum', temporality, monotonic: true, points })], cleanup);
    return (m!.data as { points: NumberPoint[] }).points;
  };
  assert.deepEqual(bounded(2, [num(5, unknown), num(7, unknown)]), [num(7)], 'cumulative: the later reading');
  assert.deepEqual(bounded(2, [num(5, unknown), num(10, another), num(7, unknown)]), [num(17)], 'cumulative: the latest reading of each stream, added up');
  assert.deepEqual(bounded(1, [num(5, unknown), num(10, another), num(7, unknown)]), [num(22)], 'delta: every point adds');
});

test('entries of one contract instrument are merged whatever unit each was sent with (the instrument has one family)', () => {
  const points = (v: number, reason: string): NumberPoint[] => [num(v, { 'hmac.outcome': 'rejected', 'error.type': reason })];
  const entry = (unit: string, p: NumberPoint[]): Metric => ({ name: INSTRUMENTS.verifications.name, unit, description: '', data: { type: 'sum', temporality: 2, monotonic: true, points: p } });
  const out = withBoundedAttributes([entry('{verification}', points(2, 'a_newer_reason')), entry('', points(3, 'another_newer_reason'))], newCleanup());
  assert.deepEqual(out.map((m) => (m.data as { points: NumberPoint[] }).points), [[num(5)]]);
});
