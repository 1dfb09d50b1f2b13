import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { metrics, trace } from '@opentelemetry/api';
import { AggregationTemporality, MeterProvider } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../src/version.js';
import { instrumentVerifier } from '../src/wrap/verifier.js';
import { harness, ManualReader } from './otel-harness.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };

test('the meter and tracer are named after the package and its version', async () => {
  assert.equal(PACKAGE_NAME, pkg.name);
  assert.equal(PACKAGE_VERSION, pkg.version);
  const h = harness();
  instrumentVerifier(() => true, h.providers)();
  const { resourceMetrics } = await h.reader.collect();
  assert.deepEqual(resourceMetrics.scopeMetrics.map((s) => [s.scope.name, s.scope.version]), [[pkg.name, pkg.version]]);
  assert.equal(h.spans()[0]!.instrumentationScope.name, pkg.name);
  assert.equal(h.spans()[0]!.instrumentationScope.version, pkg.version);
  await h.shutdown();
});

test('delta readers get per-interval counts from the cumulative tables', async () => {
  const h = harness({ temporality: AggregationTemporality.DELTA });
  const wrapped = instrumentVerifier(() => true, h.providers);
  wrapped();
  wrapped();
  const [first] = await h.find('hmac.auth.verifications');
  assert.equal(first!.value, 2);
  wrapped();
  const [second] = await h.find('hmac.auth.verifications');
  assert.equal(second!.value, 1);
  await h.shutdown();
});

test('with no providers passed, wrappers follow the global providers, even ones installed after wrapping', async () => {
  // Wrapped at import time, before the application starts its SDK (the usual order).
  const wrapped = instrumentVerifier(() => 'ok', { scheme: 'global-late' });
  assert.equal(wrapped(), 'ok'); // no SDK yet: works, records into the tables only

  const reader = new ManualReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  assert.ok(metrics.setGlobalMeterProvider(meterProvider));
  assert.ok(trace.setGlobalTracerProvider(tracerProvider));
  try {
    wrapped();
    const { resourceMetrics } = await reader.collect();
    const points = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).filter((m) => m.descriptor.name === 'hmac.auth.verifications').flatMap((m) => m.dataPoints as Array<{ value: unknown; attributes: Record<string, unknown> }>);
    assert.equal(points.length, 1);
    assert.equal(points[0]!.value, 2, 'the call made before the SDK started is counted too');
    assert.equal(points[0]!.attributes['hmac.scheme'], 'global-late');
    const durations = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).filter((m) => m.descriptor.name === 'hmac.auth.verification.duration');
    assert.equal(durations.length, 1, 'histograms flow once the SDK is installed');
    assert.equal(spans.getFinishedSpans().length, 1);
  } finally {
    metrics.disable();
    trace.disable();
    await meterProvider.shutdown();
    await tracerProvider.shutdown();
  }
});

test('a key ring observed before the SDK starts is reported once a global provider appears, without any wrapped call', async () => {
  const { observeKeyRing } = await import('../src/wrap/key-ring.js');
  const handle = observeKeyRing({ keys: () => [{ id: 'early-key', status: 'active', createdAt: Date.now() }] });
  const reader = new ManualReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  assert.ok(metrics.setGlobalMeterProvider(meterProvider));
  try {
    // The background check runs once a second; on a loaded machine the timer can fire late, so
    // collect until the gauge shows up (with a deadline) rather than after one fixed sleep.
    const keyInfo = async () => {
      const { resourceMetrics } = await reader.collect();
      return resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).filter((m) => m.descriptor.name === 'hmac.key.info');
    };
    await new Promise((r) => setTimeout(r, 1300)); // the first background check, a second after the provider
    let info = await keyInfo();
    for (const until = Date.now() + 15_000; info.length === 0 && Date.now() < until; info = await keyInfo()) {
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(info.length, 1);
    assert.equal((info[0]!.dataPoints[0]!.attributes as Record<string, unknown>)['hmac.key_id'], 'early-key');
  } finally {
    handle.stop();
    metrics.disable();
    await meterProvider.shutdown();
  }
});
