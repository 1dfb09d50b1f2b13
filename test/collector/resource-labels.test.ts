/**
 * Resource attributes as labels (`collector.resourceLabels`, issue 12 §3), on a real collector:
 * a real OTel SDK in a child process, configured by `OTEL_RESOURCE_ATTRIBUTES` only, gets its
 * environment, version and canary track onto its series; each label's values are capped (the
 * overflow collapses to `__overflow__` and is counted); hostile resources keep the exposition valid.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { collectorPerFile, parseExposition, seriesKey } from '../support/collector.js';
import { Children, OUTPUT_DIR } from '../support/processes.js';
import { configSchema } from '../../src/config/schema.js';
import { metricsRequest, numberMetric, pushMetrics, type Attrs } from './otlp-raw.js';
import { promtoolParseError } from './exposition-check.js';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { detectResources, envDetector } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { INSTRUMENTS } from '@hmac-slo/instrumentation/contract';

const collector = collectorPerFile({
  configYaml: [
    'collector:',
    '  resourceLabels:',
    '    maxValuesPerLabel: 2',
    '    attributes:',
    '      - { attribute: deployment.environment.name, label: deployment_environment_name }',
    '      - { attribute: service.version, label: service_version }',
    '      - { attribute: deployment.track, label: deployment_track }',
    '      - { attribute: __proto__, label: proto }',
    '      - { attribute: constructor, label: ctor }',
    '      - { attribute: cap.test, label: cap_test }',
    '',
  ].join('\n'),
});

const V = 'hmac_auth_verifications_total';
const metrics = async () => (await fetch(`${collector().url}/metrics`)).text();
const verifications = (value: number, attrs: Attrs = {}) =>
  numberMetric('hmac.auth.verifications', { value, monotonic: true, unit: '{verification}', attrs: { 'hmac.outcome': 'accepted', ...attrs } });

test('a real SDK configured by OTEL_RESOURCE_ATTRIBUTES alone gets its environment, version and track as labels', async () => {
  const children = new Children(join(OUTPUT_DIR, 'resource-labels'));
  const pusher = children.spawn('env-pusher', process.execPath, ['--conditions=source', '--import', 'tsx', 'test/collector/env-resource-pusher.ts', collector().url, '9', '1'], {
    env: { OTEL_SERVICE_NAME: 'payments', OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod,service.version=1.2.3,deployment.track=canary,host.name=h1' },
  });
  const { code } = await pusher.exited;
  assert.equal(code, 0, pusher.output());
  const m = parseExposition(await metrics());
  const labels = { job: 'payments', deployment_environment_name: 'prod', service_version: '1.2.3', deployment_track: 'canary', hmac_scheme: 'reference' };
  assert.equal(m.get(seriesKey(V, { ...labels, hmac_outcome: 'accepted' })), 9, [...m.keys()].filter((k) => k.startsWith(V)).join('\n'));
  assert.equal(m.get(seriesKey(V, { ...labels, hmac_outcome: 'rejected', error_type: 'signature_mismatch' })), 1);
  // Attributes outside the allowlist (host.name) never become labels.
  assert.ok(![...m.keys()].some((k) => k.includes('host_name')));
});

test('each label takes at most maxValuesPerLabel values; further ones collapse to __overflow__ and are counted', async () => {
  for (const version of ['v1', 'v2', 'v3', 'v4', 'v1']) {
    const answer = await pushMetrics(collector().url, metricsRequest({ 'service.name': 'capped', 'service.instance.id': `i-${version}-${Math.random()}`, 'cap.test': version }, [verifications(1)]), 'protobuf');
    assert.equal(answer.status, 200);
  }
  const text = await metrics();
  const m = parseExposition(text);
  const of = (cap_test: string) => m.get(seriesKey(V, { job: 'capped', cap_test, hmac_outcome: 'accepted' }));
  // v1 and v2 hold the two values (v1's second pusher shares its value); v3 and v4 overflow.
  assert.equal(of('v1'), 2);
  assert.equal(of('v2'), 1);
  assert.equal(of('__overflow__'), 2);
  assert.equal(of('v3'), undefined);
  assert.equal(m.get(seriesKey('hmac_slo_collector_resource_label_overflow_total', { label: 'cap_test' })), 2);
  assert.equal(m.get(seriesKey('hmac_slo_collector_resource_label_overflow_total', { label: 'deployment_track' })), 0);
});

test('hostile resources: prototype keys, control characters, a point attribute of the same label, an over-long value', async () => {
  const url = collector().url;
  const resource: Attrs = { 'service.name': 'hostile', 'service.instance.id': 'h1', 'deployment.track': 'canary', 'deployment.environment.name': 'pr"od\n\\x' };
  Object.defineProperty(resource, '__proto__', { value: 'proto-value', enumerable: true });
  // The point says which track it is on itself: the point's own attribute wins, never "stable;canary".
  const request = metricsRequest(resource, [verifications(3, { 'deployment.track': 'stable' })]);
  assert.equal((await pushMetrics(url, request, 'json')).status, 200);
  const text = await metrics();
  assert.equal(promtoolParseError(text), undefined);
  const line = text.split('\n').find((l) => l.startsWith(`${V}{job="hostile"`));
  assert.equal(line, `${V}{job="hostile",deployment_environment_name="pr\\"od\\n\\\\x",deployment_track="stable",hmac_outcome="accepted",proto="proto-value"} 3`);
  // `constructor` was never pushed: no label from Object.prototype.
  assert.ok(!text.includes('ctor='));

  // A value over maxLabelValueBytes is refused like any over-long attribute (label_too_long), never truncated.
  const long = metricsRequest({ 'service.name': 'long', 'service.instance.id': 'l1', 'deployment.track': 'x'.repeat(2000) }, [verifications(1)]);
  const answer = await pushMetrics(url, long, 'protobuf');
  assert.equal(answer.status, 200);
  assert.equal(answer.rejected, 1);
  assert.ok(!(await metrics()).includes('job="long"'));
});

test('the schema refuses label names the collector or Prometheus own, and duplicates', () => {
  for (const label of ['job', 'le', 'instance', '__name__', 'a-b', '9x', 'error_type', 'hmac_key_id']) {
    const r = configSchema.safeParse({ collector: { resourceLabels: { attributes: [{ attribute: 'x', label }] } } });
    assert.equal(r.success, false, label);
  }
  const dup = configSchema.safeParse({ collector: { resourceLabels: { attributes: [{ attribute: 'a', label: 'x' }, { attribute: 'b', label: 'x' }] } } });
  assert.equal(dup.success, false);
  assert.deepEqual(configSchema.parse({}).collector.resourceLabels.attributes.map((a) => a.label), ['deployment_environment_name', 'service_version', 'deployment_track']);
});

test('the JS Prometheus exporter road: withResourceConstantLabels gives the same label names from the same OTEL_RESOURCE_ATTRIBUTES', async () => {
  const saved = process.env.OTEL_RESOURCE_ATTRIBUTES;
  process.env.OTEL_RESOURCE_ATTRIBUTES = 'deployment.environment.name=prod,service.version=1.2.3,deployment.track=canary,host.name=h1';
  const resource = detectResources({ detectors: [envDetector] });
  if (saved === undefined) delete process.env.OTEL_RESOURCE_ATTRIBUTES;
  else process.env.OTEL_RESOURCE_ATTRIBUTES = saved;
  // The regex docs/collector.md gives for the exporter's `withResourceConstantLabels` option.
  const allowlist = /^(deployment\.environment\.name|service\.version|deployment\.track)$/;
  const exporter = new PrometheusExporter({ preventServerStart: true, withResourceConstantLabels: allowlist });
  const provider = new MeterProvider({ resource, readers: [exporter] });
  provider.getMeter('t').createCounter(INSTRUMENTS.verifications.name, { unit: INSTRUMENTS.verifications.unit }).add(1, { 'hmac.outcome': 'accepted' });
  const { resourceMetrics } = await exporter.collect();
  const text = new PrometheusSerializer('', false, allowlist).serialize(resourceMetrics);
  await provider.shutdown();
  const line = text.split('\n').find((l) => l.startsWith(`${V}{`));
  assert.ok(line, text);
  for (const label of configSchema.parse({}).collector.resourceLabels.attributes.map((a) => a.label)) assert.match(line, new RegExp(`${label}="`), label);
  assert.doesNotMatch(line, /host_name/);
});

test('the OpenTelemetry Collector road (deploy/otel-collector/resource-labels.yaml) copies exactly the default resource labels', () => {
  const otel = parse(readFileSync('deploy/otel-collector/resource-labels.yaml', 'utf8')) as {
    processors: Record<string, { metric_statements: { statements: string[] }[] }>;
    service: { pipelines: { metrics: { processors: string[] } } };
  };
  const [name] = otel.service.pipelines.metrics.processors;
  const statements = otel.processors[name!]!.metric_statements.flatMap((s) => s.statements);
  const copied = statements.map((s) => /^set\(attributes\["([^"]+)"\], resource\.attributes\["\1"\]\) where resource\.attributes\["\1"\] != nil$/.exec(s)?.[1]);
  const defaults = configSchema.parse({}).collector.resourceLabels.attributes;
  assert.deepEqual(copied, defaults.map((a) => a.attribute));
  // The exporter turns each attribute into the label the hmac-slo collector uses.
  for (const a of defaults) assert.equal(a.attribute.replace(/[^a-zA-Z0-9_]/g, '_'), a.label);
});
