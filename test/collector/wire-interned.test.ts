/**
 * The contract between the protobuf reader and the aggregator, in types (`InternedAttributes`,
 * otlp/types.ts): the reader's attribute sets are interned (shared while their bytes repeat), and
 * only they key the aggregator's identity caches. Any other set — from the JSON road, or frozen
 * by someone else — is not taken for one, and is looked up by its contents with the same totals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readMetricsRequest } from '../../src/collector/otlp/wire.js';
import { decodeMetrics } from '../../src/collector/otlp/body.js';
import { isInterned, TEMPORALITY_CUMULATIVE, type ResourceMetrics } from '../../src/collector/otlp/types.js';
import { Aggregator } from '../../src/collector/aggregate/aggregator.js';
import { parseConfig } from '../../src/config/load.js';
import { encodeRequest, metricsRequest, numberMetric } from './otlp-raw.js';
import { testLimits } from './aggregator-test-limits.js';

const request = (value: number) => metricsRequest({ 'service.name': 'svc' }, [numberMetric('hmac.x', { value, attrs: { k: 'v' }, temporality: TEMPORALITY_CUMULATIVE, monotonic: true, start: '1' })]);
const pointAttributes = (rm: ResourceMetrics) => (rm.metrics[0]!.data as { points: { attributes: Record<string, string> }[] }).points[0]!.attributes;

test('the protobuf reader interns resource and point attributes; the JSON road and frozen copies are not interned', () => {
  const limits = parseConfig({}).collector.limits;
  const [fast] = readMetricsRequest(encodeRequest(request(1), 'protobuf'))!;
  assert.ok(isInterned(fast!.resource) && isInterned(pointAttributes(fast!)));
  assert.deepEqual({ ...pointAttributes(fast!) }, { k: 'v' }, 'the mark is invisible to a copy');
  const [json] = decodeMetrics(encodeRequest(request(1), 'json'), 'json', limits);
  assert.ok(!isInterned(json!.resource) && !isInterned(pointAttributes(json!)));
  assert.ok(!isInterned(Object.freeze({ k: 'v' })), 'frozen is not interned');
});

test('one cumulative stream pushed through interned, plain and frozen attribute sets counts its increases once', () => {
  const agg = new Aggregator(testLimits({ maxSeries: 10, maxSeriesPerJob: 10, pusherTtlMs: 60_000 }));
  const limits = parseConfig({}).collector.limits;
  // The same push as `request`, its sets frozen by hand: frozen, but not interned.
  const frozen = (value: number): ResourceMetrics[] => [
    {
      resource: Object.freeze({ 'service.name': 'svc' }),
      metrics: [{ name: 'hmac.x', unit: '', description: '', data: { type: 'sum', temporality: TEMPORALITY_CUMULATIVE, monotonic: true, points: [{ attributes: Object.freeze({ k: 'v' }), start: '1', value }] } }],
    },
  ];
  agg.ingest(readMetricsRequest(encodeRequest(request(5), 'protobuf'))!, 1);
  agg.ingest(decodeMetrics(encodeRequest(request(7), 'json'), 'json', limits), 2);
  agg.ingest(frozen(10), 3);
  agg.ingest(readMetricsRequest(encodeRequest(request(12), 'protobuf'))!, 4);
  assert.deepEqual([...agg.series()].map((s) => s.value), [12]);
});
