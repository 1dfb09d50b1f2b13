/**
 * Two client windows in one process (verifiers given different `clientWindowMs`) report one series
 * per attribute set, combined as the contract's `acrossSources: 'max'` says: the larger count, the
 * same rule the collector and the alerts apply to replicas (docs/metrics.md "Across replicas").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { instrumentVerifier } from '../src/wrap/verifier.js';
import { harness } from './otel-harness.js';

test('two client windows of one scheme: the series is the larger count, not the sum nor the last one', async () => {
  const h = harness();
  const verify = (req: { client: string }) => ({ keyId: 'k1', client: req.client });
  const options = { ...h.providers, scheme: 'two-windows', keyId: () => 'k1', knownKeyIds: ['k1'], clientId: (r: { client: string }) => r.client };
  const long = instrumentVerifier(verify, { ...options, clientWindowMs: 600_000 });
  const short = instrumentVerifier(verify, { ...options, clientWindowMs: 60_000 });
  // The same partners reach both verifiers: six through the long window, four of them through the short one.
  for (let i = 0; i < 6; i++) long({ client: `partner-${i}` });
  for (let i = 0; i < 4; i++) short({ client: `partner-${i}` });
  const active = await h.find('hmac.auth.clients', { 'hmac.scheme': 'two-windows', 'hmac.client.state': 'active' });
  assert.deepEqual(active.map((p) => p.value), [6]);
  assert.deepEqual((await h.find('hmac.key.clients', { 'hmac.key_id': 'k1' })).map((p) => p.value), [6]);
  await h.shutdown();
});
