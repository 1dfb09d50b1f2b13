/**
 * Series an earlier collector made from attributes the closed sets now replace (another spelling
 * of `error.type`, a value outside a set) do not outlive the upgrade: loaded from the snapshot, such
 * a series would keep its Prometheus labels claimed, so the real series that now has them (a
 * pusher's `error.type` next to an earlier `error_type`) would be refused as a label collision for
 * as long as the job lives.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ATTR, INSTRUMENTS } from '@hmac-slo/instrumentation/contract';
import { Aggregator } from '../../src/collector/aggregate/aggregator.js';
import type { ResourceMetrics } from '../../src/collector/otlp/types.js';
import { newCleanup, withBoundedAttributes } from '../../src/collector/point-attributes.js';
import { testLimits } from './aggregator-test-limits.js';

const limits = testLimits({ maxSeries: 1_000, maxSeriesPerJob: 1_000, pusherTtlMs: 3_600_000 });

function push(attributes: Record<string, string>, value: number): ResourceMetrics[] {
  const data = { type: 'sum' as const, temporality: 2, monotonic: true, points: [{ attributes, start: '1000', value }] };
  return [{ resource: { 'service.name': 'payments', 'service.instance.id': 'p-1' }, metrics: [{ name: INSTRUMENTS.verifications.name, unit: INSTRUMENTS.verifications.unit, description: '', data }] }];
}
const bounded = (rs: ResourceMetrics[]) => rs.map((r) => ({ ...r, metrics: withBoundedAttributes(r.metrics, newCleanup()) }));

test('a series made from another spelling of error.type before the closed sets is dropped when the snapshot is loaded: the real series is not refused', () => {
  const before = new Aggregator(limits);
  // What a collector before the closed sets kept: `error_type` as sent (the label error_type="replay").
  assert.equal(before.ingest(push({ [ATTR.outcome]: 'rejected', error_type: 'replay' }, 5), 1_000).accepted, 1);
  const after = Aggregator.fromJSON(limits, JSON.parse(JSON.stringify(before.toJSON())));
  assert.deepEqual([...after.rawSeries()].map((s) => s.attributes), [], 'the series the closed sets would not make');
  const r = after.ingest(bounded(push({ [ATTR.outcome]: 'rejected', [ATTR.errorType]: 'replay' }, 3)), 2_000);
  assert.deepEqual([...r.rejected], []);
  assert.equal(r.accepted, 1);
  const kept = [...after.rawSeries()].map((s) => [s.attributes, s.value]);
  assert.deepEqual(kept, [[{ [ATTR.outcome]: 'rejected', [ATTR.errorType]: 'replay' }, 3]]);
});

test('series this version makes (a value replaced by other, an alias removed, span-only attributes stripped) are kept by a restore', () => {
  const a = new Aggregator(limits);
  const points: Record<string, string>[] = [
    { [ATTR.outcome]: 'rejected', [ATTR.errorType]: 'no_such_reason' },
    { [ATTR.outcome]: 'other', [ATTR.errorType]: 'replay' },
    { [ATTR.outcome]: 'accepted', error_type: 'alias', [ATTR.clientId]: 'c-1' },
  ];
  for (const [i, p] of points.entries()) assert.equal(a.ingest(bounded(push(p, i + 1)), 1_000).accepted, 1);
  const series = () => [...a.rawSeries()].map((s) => [s.attributes, s.value]);
  const restored = Aggregator.fromJSON(limits, JSON.parse(JSON.stringify(a.toJSON())));
  assert.equal(series().length, 3);
  assert.deepEqual([...restored.rawSeries()].map((s) => [s.attributes, s.value]), series());
});
