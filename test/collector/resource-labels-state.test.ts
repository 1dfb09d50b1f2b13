/**
 * Resource labels in the aggregator's state: a value is held while a pusher with it is held (a
 * forgotten pusher frees it for a new version), the assignment survives a snapshot, and the
 * protobuf road's per-pusher stream cache gives the same series as the uncached road.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Aggregator } from '../../src/collector/aggregate/aggregator.js';
import { readMetricsRequest } from '../../src/collector/otlp/wire.js';
import { normalizeMetrics } from '../../src/collector/otlp/normalize.js';
import type { ResourceMetrics } from '../../src/collector/otlp/types.js';
import { testLimits } from './aggregator-test-limits.js';
import { encodeRequest, metricsRequest, numberMetric } from './otlp-raw.js';

const limits = testLimits({
  maxSeries: 100,
  maxSeriesPerJob: 100,
  pusherTtlMs: 1000,
  resourceLabels: { attributes: [{ attribute: 'service.version', label: 'service_version' }], maxValuesPerLabel: 1 },
});

const push = (instance: string, version: string, value = 1): ResourceMetrics[] => [
  {
    resource: { 'service.name': 'api', 'service.instance.id': instance, 'service.version': version },
    metrics: [{ name: 'hmac.auth.verifications', unit: '{verification}', description: '', data: { type: 'sum', temporality: 2, monotonic: true, points: [{ attributes: { 'hmac.outcome': 'accepted' }, start: '1', value }] } }],
  },
];
const versions = (a: Aggregator) => [...a.series()].map((s) => `${s.attributes['service.version'] ?? s.attributes['service_version']}=${s.value}`).sort();

test('a value is held while a pusher has it: forgetting the pusher frees it; the assignment survives a snapshot', () => {
  const a = new Aggregator(limits);
  a.ingest(push('a', 'v1'), 0);
  a.ingest(push('b', 'v2'), 0);
  assert.deepEqual(versions(a), ['__overflow__=1', 'v1=1']);
  assert.equal(a.resourceLabels.overflowPoints.get('service_version'), 1);
  a.forget(a.expiredPushers(5000), 5000);
  a.ingest(push('c', 'v3'), 5000);
  assert.deepEqual(versions(a), ['__overflow__=1', 'v1=1', 'v3=1']);

  const b = Aggregator.fromJSON(limits, JSON.parse(JSON.stringify(a.toJSON())));
  // c still holds the one value: a new version overflows; c's next reading adds only its increase.
  b.ingest(push('d', 'v4'), 5001);
  b.ingest(push('c', 'v3', 5), 5001);
  assert.deepEqual(versions(b), ['__overflow__=2', 'v1=1', 'v3=5']);
});

test('the protobuf road (interned attribute sets, cached streams) labels like the uncached one', () => {
  const request = metricsRequest({ 'service.name': 'api', 'service.instance.id': 'p', 'service.version': 'v9' }, [
    numberMetric('hmac.auth.verifications', { value: 2, monotonic: true, temporality: 2, unit: '{verification}', attrs: { 'hmac.outcome': 'accepted' }, start: '1' }),
  ]);
  const body = encodeRequest(request, 'protobuf');
  const a = new Aggregator(limits);
  for (let i = 0; i < 3; i++) a.ingest(readMetricsRequest(body)!, i);
  assert.deepEqual(versions(a), ['v9=2']);
});

test('the cached (protobuf) and uncached (JSON) roads give the same labelled series, a point\'s own attribute winning on both', () => {
  const request = (round: number) =>
    metricsRequest({ 'service.name': 'api', 'service.instance.id': 'p', 'service.version': 'v9' }, [
      numberMetric('hmac.auth.verifications', { value: round, monotonic: true, temporality: 2, unit: '{verification}', attrs: { 'hmac.outcome': 'accepted' }, start: '1' }),
      numberMetric('hmac.auth.verifications', { value: 2 * round, monotonic: true, temporality: 2, unit: '{verification}', attrs: { 'hmac.outcome': 'rejected', service_version: 'own' }, start: '1' }),
    ]);
  const cached = new Aggregator(limits);
  const uncached = new Aggregator(limits);
  for (let round = 1; round <= 3; round++) {
    cached.ingest(readMetricsRequest(encodeRequest(request(round), 'protobuf'))!, round);
    uncached.ingest(normalizeMetrics(JSON.parse(encodeRequest(request(round), 'json').toString('utf8'))), round);
  }
  assert.deepEqual(cached.toJSON().series, uncached.toJSON().series);
  assert.deepEqual(versions(cached), ['own=6', 'v9=3']);
});

test('a snapshot from before value expiry: versions no pusher holds are freed at their job\'s last point, so their series still leave', () => {
  const ttl = { ...limits, seriesTtlMs: 10_000, resourceLabels: { ...limits.resourceLabels!, maxValuesPerLabel: 5 } };
  const a = new Aggregator(ttl);
  a.ingest(push('a', 'v1'), 0);
  a.ingest(push('b', 'v2'), 6000);
  a.forget(a.expiredPushers(5000), 5000); // a: v1 is held by no pusher any more
  const { resourceValuesFreed: _freed, ...old } = JSON.parse(JSON.stringify(a.toJSON())) as Record<string, unknown>;
  const b = Aggregator.fromJSON(ttl, old);
  assert.deepEqual(b.expiredResourceValues(16_000), [], 'not before the series TTL after the job\'s last point');
  const gone = b.expiredResourceValues(16_001);
  assert.deepEqual(gone, [['api', 'service_version', 'v1']]);
  b.dropResourceValues(gone, 16_001);
  assert.deepEqual(versions(b), ['v2=1']);
});
