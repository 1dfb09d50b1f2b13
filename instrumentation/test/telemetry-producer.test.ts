import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValueType } from '@opentelemetry/api';
import { createMetricProducer } from '../src/telemetry/producer.js';
import { HistogramCells } from '../src/telemetry/cells.js';
import { instrumentVerifier } from '../src/wrap/verifier.js';
import { HmacAuthError } from '../src/errors.js';
import { DURATION_BUCKETS_SECONDS, PROMETHEUS_EXPORTER_VIEWS } from '../src/contract.js';
import { harness } from './otel-harness.js';

test('bucket tables place values exactly as the SDK explicit-bucket histogram does', async () => {
  const h = harness();
  const sdkHistogram = h.meterProvider.getMeter('reference').createHistogram('ref', {
    unit: 's',
    valueType: ValueType.DOUBLE,
    advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_SECONDS] },
  });
  const cells = new HistogramCells({}, [{}], DURATION_BUCKETS_SECONDS);
  // Boundary values (inclusive upper bounds), values between, below the first and above the last.
  const values = [0, 0.0001, 0.0005, 0.0005001, 0.005, 0.0049, 0.03, 0.0300001, 1, 7, 10, 11, 1e6];
  for (const v of values) {
    sdkHistogram.record(v);
    cells.record(v, 0, undefined);
  }
  const [ref] = await h.find('ref');
  assert.deepEqual(Array.from(cells.buckets), ref!.buckets!.counts);
  assert.equal(cells.counts[0], values.length);
  assert.ok(Math.abs(cells.sums[0]! - ref!.sum!) < 1e-9);
  assert.equal(cells.mins[0], 0);
  assert.equal(cells.maxs[0], 1e6);
  await h.shutdown();
});

test('with the producer installed, latency histograms reach the reader from the tables', async () => {
  const producer = createMetricProducer();
  const h = harness({ metricProducers: [producer] });
  producer.attach(h.meterProvider);
  const wrapped = instrumentVerifier(
    (ok: boolean) => {
      if (!ok) throw new HmacAuthError('replay');
      return ok;
    },
    { ...h.providers, scheme: 'fast', timestamp: () => Date.now() / 1000 - 30 },
  );
  wrapped(true);
  wrapped(true);
  assert.throws(() => wrapped(false));

  const points = await h.collect();
  const durations = points.filter((p) => p.name === 'hmac.auth.verification.duration');
  assert.deepEqual(
    durations.map((d) => [d.attributes['hmac.outcome'], d.value]).sort(),
    [['accepted', 2], ['rejected', 1]],
    'one histogram per outcome, no duplicate from an SDK instrument of the same name',
  );
  for (const d of durations) {
    assert.deepEqual(d.buckets!.boundaries, [...DURATION_BUCKETS_SECONDS]);
    assert.equal(d.buckets!.counts.reduce((a, b) => a + b, 0), d.value);
    assert.equal(d.unit, 's');
  }
  const [skew] = points.filter((p) => p.name === 'hmac.auth.clock_skew');
  assert.equal(skew!.value, 2, 'accepted calls only (the replay rejection is not a vouched timestamp)');
  assert.ok(Math.abs(skew!.sum! - 60) < 3);
  // Counters still come from the SDK's observable instruments.
  const counts = points.filter((p) => p.name === 'hmac.auth.verifications');
  assert.equal(counts.reduce((a, p) => a + p.value, 0), 3);
  await h.shutdown();
});

test('producer views rename instruments like SDK views (for exporter-prometheus)', async () => {
  const producer = createMetricProducer({ views: PROMETHEUS_EXPORTER_VIEWS });
  const h = harness({ metricProducers: [producer] });
  producer.attach(h.meterProvider);
  instrumentVerifier(() => true, h.providers)();
  const names = (await h.collect()).map((p) => p.name).sort();
  assert.deepEqual(names, ['hmac.auth.verification.duration_seconds', 'hmac.auth.verifications']);
  await h.shutdown();
});
