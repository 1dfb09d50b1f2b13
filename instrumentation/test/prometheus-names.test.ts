import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { INSTRUMENTS, PROMETHEUS_EXPORTER_VIEWS } from '../src/contract.js';
import { createMetricProducer } from '../src/telemetry/producer.js';
import { exerciseAll } from './exercise-all.js';

// Written out by hand (not derived from the contract) so a contract edit that changes a Prometheus
// name fails here too.
const EXPECTED: Record<string, 'counter' | 'histogram' | 'gauge'> = {
  hmac_auth_verifications_total: 'counter',
  hmac_auth_verification_duration_seconds: 'histogram',
  hmac_auth_failure_causes_total: 'counter',
  hmac_auth_signings_total: 'counter',
  hmac_auth_signing_duration_seconds: 'histogram',
  hmac_auth_clock_skew_seconds: 'histogram',
  hmac_replay_checks_total: 'counter',
  hmac_replay_cache_size: 'gauge',
  hmac_kms_operations_total: 'counter',
  hmac_kms_operation_duration_seconds: 'histogram',
  hmac_keystore_reads_total: 'counter',
  hmac_key_info: 'gauge',
  hmac_key_age_seconds: 'gauge',
  hmac_auth_clients: 'gauge',
  hmac_key_clients: 'gauge',
};

/** `# TYPE` families and every sample name of the exposition text. */
function parseExposition(text: string) {
  const families = new Map<string, string>();
  const samples = new Set<string>();
  const labels = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) families.set(type[1]!, type[2]!);
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? /.exec(line);
    if (sample) {
      samples.add(sample[1]!);
      const names = [...(sample[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)].map((m) => m[1]!);
      const set = labels.get(sample[1]!) ?? new Set();
      names.forEach((n) => set.add(n));
      labels.set(sample[1]!, set);
    }
  }
  return { families, samples, labels };
}

async function exposition(useProducer: boolean): Promise<string> {
  const producer = useProducer ? createMetricProducer({ views: PROMETHEUS_EXPORTER_VIEWS }) : undefined;
  const exporter = new PrometheusExporter({ preventServerStart: true, metricProducers: producer ? [producer] : undefined });
  // The documented setup for road 1: the contract's views on the application's MeterProvider.
  const meterProvider = new MeterProvider({ readers: [exporter], views: [...PROMETHEUS_EXPORTER_VIEWS] });
  producer?.attach(meterProvider);
  const tracerProvider = new BasicTracerProvider();
  const run = await exerciseAll({ meterProvider, tracerProvider }, 'prometheus-test-secret-0123456789');
  const { resourceMetrics, errors } = await exporter.collect();
  assert.deepEqual(errors, []);
  const text = new PrometheusSerializer().serialize(resourceMetrics);
  run.stop();
  await meterProvider.shutdown();
  return text;
}

for (const useProducer of [false, true]) {
  test(`exporter-prometheus names equal the contract table (${useProducer ? 'histograms from the metric producer' : 'drop-in SDK histograms'})`, async () => {
    const text = await exposition(useProducer);
    const { families, samples, labels } = parseExposition(text);
    const ours = new Map([...families].filter(([name]) => name.startsWith('hmac_')));
    assert.deepEqual(Object.fromEntries([...ours].sort()), Object.fromEntries(Object.entries(EXPECTED).sort()));

    for (const spec of Object.values(INSTRUMENTS)) {
      assert.ok(ours.has(spec.prometheus), `contract name ${spec.prometheus} (${spec.name}) missing from the exposition`);
      if (spec.kind === 'histogram') {
        for (const suffix of ['_bucket', '_sum', '_count']) assert.ok(samples.has(spec.prometheus + suffix), `${spec.prometheus}${suffix}`);
      } else {
        assert.ok(samples.has(spec.prometheus), `sample ${spec.prometheus}`);
      }
      // Every contract attribute shows up as a label (dots become underscores); no client ID.
      const seen = labels.get(spec.kind === 'histogram' ? `${spec.prometheus}_bucket` : spec.prometheus)!;
      for (const attribute of spec.attributes) {
        assert.ok(seen.has(attribute.replace(/\./g, '_')), `${spec.prometheus} lacks label for ${attribute}: ${[...seen]}`);
      }
      assert.ok(!seen.has('hmac_client_id'));
    }
    assert.match(text, /hmac_auth_verification_duration_seconds_bucket\{[^}]*le="0\.005"/);
    assert.match(text, /hmac_auth_verification_duration_seconds_bucket\{[^}]*le="0\.03"/);
  });
}
