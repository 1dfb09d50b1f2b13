// registerPromClientMetrics: registries, explicit providers, removal; the end-to-end checks are in
// test/roads (four-roads, prom-client-prometheus).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { AggregatorRegistry, Counter, Registry, register, type OpenMetricsContentType, type RegistryContentType } from 'prom-client';
import { INSTRUMENTS } from '../src/contract.js';
import { HmacAuthError } from '../src/errors.js';
import { registerPromClientMetrics } from '../src/prom-client.js';
import { COUNTERS, GAUGES, HISTOGRAMS } from '../src/telemetry/hub.js';
import { instrumentVerifier } from '../src/wrap/verifier.js';
import { exerciseAll } from './exercise-all.js';

const familyNames = (r: Registry<RegistryContentType>) => r.getMetricsAsArray().map((m) => m.name).sort();

test('one family per contract instrument, on the default registry when none is given', () => {
  const unregister = registerPromClientMetrics();
  // Every instrument of the contract, whatever gets added to it: the hub's lists are read from it.
  const expected = Object.values(INSTRUMENTS).map((i) => i.prometheus).sort();
  assert.deepEqual([...COUNTERS, ...HISTOGRAMS, ...GAUGES].map((n) => INSTRUMENTS[n].prometheus).sort(), expected);
  assert.deepEqual(familyNames(register), expected);
  unregister();
  assert.deepEqual(familyNames(register), []);
});

test('wrappers with an explicit meterProvider report to the registry given that provider', async () => {
  const meterProvider = new MeterProvider();
  const registry = new Registry();
  registerPromClientMetrics(registry, { meterProvider });
  const verify = instrumentVerifier((ok: boolean) => {
    if (!ok) throw new HmacAuthError('timestamp_skew');
    return true;
  }, { scheme: 'custom-v1', meterProvider });
  verify(true);
  assert.throws(() => verify(false));
  const text = await registry.metrics();
  assert.match(text, /^hmac_auth_verifications_total\{hmac_scheme="custom-v1",hmac_key_id="unknown",hmac_outcome="rejected",error_type="timestamp_skew"\} 1$/m);
  assert.match(text, /^hmac_auth_verification_duration_seconds_count\{hmac_scheme="custom-v1",hmac_key_id="unknown",hmac_outcome="accepted"\} 1$/m);
  // A registry for the global provider sees none of it.
  const other = new Registry();
  registerPromClientMetrics(other);
  assert.doesNotMatch(await other.metrics(), /custom-v1/);
  await meterProvider.shutdown();
});

test('no secret (raw or hex) or signature, not even a 12-character fragment, on the registry', async () => {
  const secret = 'whsec_prom-client-sweep-4c1d9e7a';
  const meterProvider = new MeterProvider();
  const registry = new Registry();
  registerPromClientMetrics(registry, { meterProvider });
  // exerciseAll's verifier and KMS put the secret in their error messages on purpose.
  const { signatures, stop } = await exerciseAll({ meterProvider }, secret);
  const text = await registry.metrics();
  assert.match(text, /signature_mismatch/);
  for (const needle of [secret, Buffer.from(secret).toString('hex'), ...signatures]) {
    for (let i = 0; i + 12 <= needle.length; i += 6) assert.ok(!text.includes(needle.slice(i, i + 12)), `fragment at ${i} of ${needle.slice(0, 4)}…`);
  }
  stop();
  await meterProvider.shutdown();
});

test('an OpenMetrics registry: counters keep the contract names (no _total_total), and unregister still removes them', async () => {
  const meterProvider = new MeterProvider();
  const registry = new Registry<OpenMetricsContentType>();
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  const unregister = registerPromClientMetrics(registry, { meterProvider });
  const verify = instrumentVerifier((_: string) => true, { scheme: 'custom-v1', meterProvider });
  verify('x');
  const text = await registry.metrics();
  // OpenMetrics names a counter family without `_total` and its samples with it; prom-client
  // appends the suffix to every counter sample, as for its own counters.
  assert.match(text, /^# TYPE hmac_auth_verifications counter$/m);
  assert.match(text, /^hmac_auth_verifications_total\{hmac_scheme="custom-v1",hmac_key_id="unknown",hmac_outcome="accepted"\} 1$/m);
  assert.doesNotMatch(text, /_total_total/);
  assert.match(text, /^# TYPE hmac_auth_verification_duration_seconds histogram$/m);
  assert.match(text, /^# EOF$/m);
  unregister();
  assert.deepEqual(familyNames(registry), []);
  await meterProvider.shutdown();
});

test('a name the registry already holds: a clear error, and nothing registered', () => {
  const registry = new Registry();
  const mine = new Counter({ name: INSTRUMENTS.keyInfo.prometheus, help: 'a metric of the application', registers: [registry] });
  assert.throws(() => registerPromClientMetrics(registry), /registerPromClientMetrics: the registry already holds a metric named hmac_key_info/);
  assert.deepEqual(registry.getMetricsAsArray(), [mine]);
  // Twice on one registry: the second call throws, the first registration stays whole.
  const other = new Registry();
  const unregister = registerPromClientMetrics(other);
  assert.throws(() => registerPromClientMetrics(other), /already holds a metric named hmac_auth_verifications_total/);
  assert.equal(familyNames(other).length, Object.keys(INSTRUMENTS).length);
  unregister();
  assert.deepEqual(familyNames(other), []);
});

test('cluster mode (AggregatorRegistry): counts add up over the workers, the key ring and client gauges are not multiplied', async () => {
  const meterProvider = new MeterProvider();
  const worker = new Registry();
  registerPromClientMetrics(worker, { meterProvider });
  const { stop } = await exerciseAll({ meterProvider }, 'cluster-secret-0123456789abcdef');
  const samples = (text: string) => new Map(text.split('\n').filter((l) => l.startsWith('hmac_')).map((l) => [l.slice(0, l.lastIndexOf(' ')), Number(l.slice(l.lastIndexOf(' ') + 1))]));
  const one = samples(await worker.metrics());
  // Two workers with the same calls and the same key ring, as prom-client's cluster support sees them.
  const both = samples(await AggregatorRegistry.aggregate([await worker.getMetricsAsJSON(), await worker.getMetricsAsJSON()]).metrics());
  stop();
  await meterProvider.shutdown();
  // Gauges not summed across sources (the key ring: `last`; client counts: `max`) are not multiplied.
  const perKey = Object.values(INSTRUMENTS).filter((i) => i.kind === 'observable_gauge' && i.acrossSources !== 'sum').map((i) => i.prometheus as string);
  assert.ok([...one.keys()].some((s) => s.startsWith(`${INSTRUMENTS.keyInfo.prometheus}{`)));
  assert.ok([...one.keys()].some((s) => s.startsWith(`${INSTRUMENTS.verifications.prometheus}{`)));
  for (const [series, value] of one) {
    const family = series.split('{')[0]!;
    const expected = perKey.includes(family) ? value : 2 * value;
    assert.ok(Math.abs(both.get(series)! - expected) <= (family === INSTRUMENTS.keyAge.prometheus ? 1 : 0), `${series}: ${both.get(series)} for ${value} per worker`);
  }
});

test('prom-client stays optional: nothing the main entry or ./contract imports reaches it, or any package but @opentelemetry/api', () => {
  const src = join(import.meta.dirname, '..', 'src');
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const [, from, bare] of readFileSync(file, 'utf8').matchAll(/^(?:import|export)\b[^;]*?\bfrom '([^']+)'|^import '([^']+)'/gms)) {
      const spec = from ?? bare;
      if (spec!.startsWith('.')) visit(join(dirname(file), spec!.replace(/\.js$/, '.ts')));
      else if (!spec!.startsWith('node:')) packages.add(spec!);
    }
  };
  visit(join(src, 'index.ts'));
  visit(join(src, 'contract.ts'));
  assert.ok(seen.size > 10, `${seen.size} modules`);
  assert.ok(!seen.has(join(src, 'prom-client.ts')));
  assert.deepEqual([...packages], ['@opentelemetry/api']);
});
