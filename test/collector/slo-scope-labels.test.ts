/**
 * A scope is judged in the collector by the labels each series has on /metrics (scope.ts
 * `seriesLabels`), so that the collector and the recording rules select the same series. This test
 * pins the two together: for series ingested from OTLP (resource attributes included), the labels
 * the exposition writes equal the labels the SLO engine's scopes read. If the exposition gains a label
 * source (resource attributes as labels, say), this fails until scope.ts reads it too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Aggregator } from '../../src/collector/aggregate/aggregator.js';
import { ByteWriter } from '../../src/collector/byte-writer.js';
import { finish, writeSeries } from '../../src/collector/exposition.js';
import { normalizeMetrics } from '../../src/collector/otlp/normalize.js';
import { seriesLabels } from '../../src/collector/slo/scope.js';
import { parseExposition } from '../support/collector.js';
import { metricsRequest, numberMetric, type Attrs } from './otlp-raw.js';
import { testLimits } from './aggregator-test-limits.js';

const RESOURCE = {
  'service.name': 'payments-api',
  'service.namespace': 'shop',
  'service.instance.id': 'i1',
  'service.version': '1.2.3',
  'deployment.environment.name': 'prod',
  'deployment.track': 'canary',
};

test('the labels a scope reads are the labels the series has on /metrics', () => {
  const agg = new Aggregator(testLimits({ maxSeries: 100, maxSeriesPerJob: 100, pusherTtlMs: 60_000 }));
  const attrs: Attrs[] = [
    { 'hmac.scheme': 'stripe', 'hmac.outcome': 'accepted' },
    { 'hmac.scheme': 'v1.0', 'hmac.outcome': 'rejected', 'error.type': 'signature_mismatch', 'hmac.key_id': 'k1' },
  ];
  const result = agg.ingest(normalizeMetrics(metricsRequest(RESOURCE, attrs.map((a, i) => numberMetric('hmac.auth.verifications', { value: i + 1, monotonic: true, attrs: a })))), 0);
  assert.equal(result.accepted, 2);

  const out = new ByteWriter();
  writeSeries(out, agg, false);
  const exposed = [...parseExposition(Buffer.concat(finish(out, false)).toString('utf8')).keys()]
    .filter((k) => k.startsWith('hmac_auth_verifications_total{'))
    .sort();
  const read = [...agg.series()]
    .filter((s) => s.promName === 'hmac_auth_verifications_total')
    .map((s) => `${s.promName}{${[...seriesLabels(s)()].map(([k, v]) => `${k}=${v}`).sort().join(',')}}`)
    .sort();
  assert.equal(read.length, 2);
  assert.deepEqual(read, exposed);
});
