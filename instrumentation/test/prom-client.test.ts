// registerPromClientMetrics: registries, explicit providers, removal; the end-to-end checks are in
// test/roads (four-roads, prom-client-prometheus).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { Registry, register } from 'prom-client';
import { INSTRUMENTS } from '../src/contract.js';
import { HmacAuthError } from '../src/errors.js';
import { registerPromClientMetrics } from '../src/prom-client.js';
import { COUNTERS, GAUGES, HISTOGRAMS } from '../src/telemetry/hub.js';
import { instrumentVerifier } from '../src/wrap/verifier.js';
import { exerciseAll } from './exercise-all.js';

const familyNames = (r: Registry) => r.getMetricsAsArray().map((m) => m.name).sort();

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
