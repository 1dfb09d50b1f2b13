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
