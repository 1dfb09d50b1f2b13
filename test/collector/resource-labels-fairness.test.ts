/**
 * Resource labels between jobs and roads: one job's many versions (or a hostile pusher's made-up
 * ones) never push another job's labels into `__overflow__` (the cap is per job), and a job whose
 * instances carry the label as a point attribute (the earlier documented road, or an OpenTelemetry
 * Collector's transform processor in front) shares its series with instances that carry it on the
 * resource, instead of one of them being refused as a label collision.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Aggregator } from '../../src/collector/aggregate/aggregator.js';
import type { Attributes, ResourceMetrics } from '../../src/collector/otlp/types.js';
import { testLimits } from './aggregator-test-limits.js';

const limits = testLimits({
  maxSeries: 1000,
  maxSeriesPerJob: 1000,
  pusherTtlMs: 1000,
  resourceLabels: { attributes: [{ attribute: 'deployment.track', label: 'deployment_track' }], maxValuesPerLabel: 2 },
});

const push = (job: string, instance: string, resource: Attributes, point: Attributes = {}, value = 1): ResourceMetrics[] => [
  {
    resource: { 'service.name': job, 'service.instance.id': instance, ...resource },
    metrics: [{ name: 'hmac.auth.verifications', unit: '{verification}', description: '', data: { type: 'sum', temporality: 2, monotonic: true, points: [{ attributes: { 'hmac.outcome': 'accepted', ...point }, start: '1', value }] } }],
  },
];
const tracks = (a: Aggregator, job: string) =>
  [...a.series()].filter((s) => s.job === job).map((s) => `${s.attributes['deployment_track'] ?? s.attributes['deployment.track']}=${s.value}`).sort();

test('one job filling a label with values leaves another job its own values (the cap is per job)', () => {
  const a = new Aggregator(limits);
  for (let i = 0; i < 5; i++) a.ingest(push('noisy', `n${i}`, { 'deployment.track': `junk-${i}` }), 0);
  assert.deepEqual(tracks(a, 'noisy'), ['__overflow__=3', 'junk-0=1', 'junk-1=1']);
  a.ingest(push('payments', 'p1', { 'deployment.track': 'canary' }), 0);
  a.ingest(push('payments', 'p2', { 'deployment.track': 'stable' }), 0);
  assert.deepEqual(tracks(a, 'payments'), ['canary=1', 'stable=1']);
  // Held per job through a snapshot too.
  const b = Aggregator.fromJSON(limits, JSON.parse(JSON.stringify(a.toJSON())));
  b.ingest(push('payments', 'p3', { 'deployment.track': 'third' }), 1);
  b.ingest(push('other', 'o1', { 'deployment.track': 'canary' }), 1);
  assert.deepEqual(tracks(b, 'payments'), ['__overflow__=1', 'canary=1', 'stable=1']);
  assert.deepEqual(tracks(b, 'other'), ['canary=1']);
});

test('a point attribute and a resource attribute giving the same label feed one series, never a label collision', () => {
  const a = new Aggregator(limits);
  // An instance labelled on its points (OpenTelemetry Collector transform in front, or the older road) ...
  const before = a.ingest(push('api', 'old', {}, { 'deployment.track': 'canary' }, 2), 0);
  assert.equal(before.rejected.size, 0);
  // ... and one labelled on its resource, in the same job at the same time (a rolling migration).
  const after = a.ingest(push('api', 'new', { 'deployment.track': 'canary' }, {}, 3), 0);
  assert.deepEqual([...after.rejected], [], after.messages.join('; '));
  assert.deepEqual(tracks(a, 'api'), ['canary=5']);
});
