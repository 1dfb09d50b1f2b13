/**
 * The done-when of the roads: the same wrapper calls, driven through every road into Prometheus,
 * give the same families (names, TYPE, HELP), the same series (labels and values) and the same
 * buckets. Roads: OTLP to a real hmac-slo collector process, exporter-prometheus with
 * PROMETHEUS_EXPORTER_VIEWS (drop-in SDK histograms), the same with the opt-in metric producer, and
 * prom-client with no OpenTelemetry SDK at all.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trace } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { Registry } from 'prom-client';
import { INSTRUMENTS, PROMETHEUS_EXPORTER_VIEWS, createMetricProducer } from '@hmac-slo/instrumentation';
import { registerPromClientMetrics } from '@hmac-slo/instrumentation/prom-client';
import { exerciseAll } from '../../instrumentation/test/exercise-all.js';
import { collectorPerFile } from '../support/collector.js';
import { contractShape, plain } from './exposition-shape.js';

const SECRET = 'four-roads-secret-0123456789';
const collector = collectorPerFile();

async function viaCollector(): Promise<string> {
  const reader = new PeriodicExportingMetricReader({
    exporter: new OTLPMetricExporter({ url: `${collector().url}/v1/metrics` }),
    exportIntervalMillis: 3_600_000,
  });
  const meterProvider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'roads' }), readers: [reader] });
  const run = await exerciseAll({ meterProvider, tracerProvider: new BasicTracerProvider() }, SECRET);
  await reader.forceFlush();
  run.stop();
  await meterProvider.shutdown();
  return (await fetch(`${collector().url}/metrics`)).text();
}

async function viaExporterPrometheus(useProducer: boolean): Promise<string> {
  const producer = useProducer ? createMetricProducer({ views: PROMETHEUS_EXPORTER_VIEWS }) : undefined;
  const exporter = new PrometheusExporter({ preventServerStart: true, metricProducers: producer ? [producer] : undefined });
  const meterProvider = new MeterProvider({ readers: [exporter], views: [...PROMETHEUS_EXPORTER_VIEWS] });
  producer?.attach(meterProvider);
  const run = await exerciseAll({ meterProvider, tracerProvider: new BasicTracerProvider() }, SECRET);
  const { resourceMetrics, errors } = await exporter.collect();
  assert.deepEqual(errors, []);
  run.stop();
  await meterProvider.shutdown();
  return new PrometheusSerializer().serialize(resourceMetrics);
}

async function viaPromClient(): Promise<string> {
  const registry = new Registry();
  const unregister = registerPromClientMetrics(registry);
  // No meter provider anywhere: the wrappers report to the API's global no-op one.
  const run = await exerciseAll({ tracerProvider: trace.getTracerProvider() }, SECRET);
  const text = await registry.metrics();
  run.stop();
  unregister();
  return text;
}

test('four roads into Prometheus give identical contract families, series and buckets', async () => {
  const roads = {
    'OTLP → hmac-slo collector': await viaCollector(),
    'exporter-prometheus + PROMETHEUS_EXPORTER_VIEWS': await viaExporterPrometheus(false),
    'exporter-prometheus + opt-in metric producer': await viaExporterPrometheus(true),
    'prom-client (no OpenTelemetry SDK)': await viaPromClient(),
  };
  const shapes = Object.entries(roads).map(([road, text]) => [road, plain(contractShape(text))] as const);
  const [reference, ...others] = shapes;
  // Only contract families, and every instrument exerciseAll drives (all twelve wrappers' instruments)
  // has data under its contract name; instruments added later join the comparison once driven.
  const contract = new Set(Object.values(INSTRUMENTS).map((i) => i.prometheus));
  for (const family of Object.keys(reference![1])) assert.ok(contract.has(family), `${family} is not a contract family`);
  const driven = ['verifications', 'verificationDuration', 'failureCauses', 'signings', 'signingDuration', 'clockSkew', 'replayChecks', 'replayCacheSize', 'kmsOperations', 'kmsOperationDuration', 'keystoreReads', 'keyInfo', 'keyAge'] as const;
  for (const name of driven) assert.ok(INSTRUMENTS[name].prometheus in reference![1], `${INSTRUMENTS[name].prometheus} has no data`);
  assert.ok(Object.keys(reference![1]['hmac_auth_verification_duration_seconds']!.series).some((s) => s.includes('le="0.005"')));
  for (const [road, shape] of others) assert.deepEqual(shape, reference![1], `${road} differs from ${reference![0]}`);
});
