import { test } from 'node:test';
import assert from 'node:assert/strict';
import { instrumentVerifier } from '../src/wrap/verifier.js';
import { KeyIdLimiter } from '../src/telemetry/key-id-limiter.js';
import { HmacAuthError } from '../src/errors.js';
import type { KeyRingEntry } from '../src/key-ring.js';
import { harness } from './otel-harness.js';

interface Req {
  keyId: string;
  valid: boolean;
}
/** Accepts requests marked valid (as if the MAC checked out), rejects the rest. */
const verify = (r: Req) => {
  if (!r.valid) throw new HmacAuthError('signature_mismatch');
  return true;
};

const keyIds = async (h: ReturnType<typeof harness>) =>
  [...new Set((await h.find('hmac.auth.verifications')).map((p) => String(p.attributes['hmac.key_id'])))].sort();

test('declared keys: forged key IDs are recorded as unknown, never as themselves', async () => {
  const h = harness();
  const wrapped = instrumentVerifier(verify, { ...h.providers, keyId: (r) => r.keyId, knownKeyIds: ['k1', 'k2'] });
  for (let i = 0; i < 2000; i++) assert.throws(() => wrapped({ keyId: `forged-${i}`, valid: false }));
  // Even a forged ID that "verifies" (a verifier bug, or a verifier that ignores the key) is not declared.
  wrapped({ keyId: 'forged-valid', valid: true });
  wrapped({ keyId: 'k1', valid: true });
  assert.throws(() => wrapped({ keyId: 'k2', valid: false }));
  assert.deepEqual(await keyIds(h), ['k1', 'k2', 'unknown']);
  const [unknown] = await h.find('hmac.auth.verifications', { 'hmac.key_id': 'unknown', 'error.type': 'signature_mismatch' });
  assert.equal(unknown!.value, 2000);
  const spans = h.spans();
  assert.ok(spans.every((s) => !String(s.attributes['hmac.key_id']).startsWith('forged')), 'forged IDs stay off spans too');
  await h.shutdown();
});

test('nothing declared: a key ID becomes a label only after a successful verification', async () => {
  const h = harness();
  const wrapped = instrumentVerifier(verify, { ...h.providers, keyId: (r) => r.keyId });
  assert.throws(() => wrapped({ keyId: 'k9', valid: false }));
  for (let i = 0; i < 500; i++) assert.throws(() => wrapped({ keyId: `forged-${i}`, valid: false }));
  wrapped({ keyId: 'k9', valid: true });
  assert.throws(() => wrapped({ keyId: 'k9', valid: false }));
  const points = await h.find('hmac.auth.verifications');
  const summary = Object.fromEntries(points.map((p) => [`${p.attributes['hmac.key_id']}/${p.attributes['hmac.outcome']}`, p.value]));
  assert.deepEqual(summary, { 'unknown/rejected': 501, 'k9/accepted': 1, 'k9/rejected': 1 });
  await h.shutdown();
});

test('past the cap, newly earned key IDs become other', async () => {
  const h = harness();
  const wrapped = instrumentVerifier(verify, { ...h.providers, keyId: (r) => r.keyId, keyIdCap: 3 });
  for (let i = 0; i < 10; i++) wrapped({ keyId: `k${i}`, valid: true });
  wrapped({ keyId: 'k0', valid: true }); // an early key keeps its own label
  assert.deepEqual(await keyIds(h), ['k0', 'k1', 'k2', 'other']);
  const [other] = await h.find('hmac.auth.verifications', { 'hmac.key_id': 'other' });
  assert.equal(other!.value, 7);
  await h.shutdown();
});

test('the default cap is 256 and declared lists longer than the cap are cut the same way', () => {
  const many = Array.from({ length: 300 }, (_, i) => `key-${i}`);
  const limiter = new KeyIdLimiter({ knownKeyIds: many });
  assert.equal(limiter.cap, 256);
  assert.equal(limiter.label('key-0', false, 0), 'key-0');
  assert.equal(limiter.label('key-255', false, 0), 'key-255');
  assert.equal(limiter.label('key-256', false, 0), 'other');
  assert.equal(limiter.label('nope', true, 0), 'unknown');
  assert.equal(limiter.label(undefined, true, 0), 'unknown');
  assert.throws(() => new KeyIdLimiter({ keyIdCap: -1 }), RangeError);
  assert.throws(() => new KeyIdLimiter({ knownKeyIds: [], keyRing: { keys: () => [] } }), TypeError);
});

test('knownKeyIds as a function and keyRing are re-read (at most once a second) when an undeclared ID shows up', () => {
  const declared = new Set(['a']);
  const limiter = new KeyIdLimiter({ knownKeyIds: () => declared });
  assert.equal(limiter.label('b', true, 5000), 'unknown');
  declared.add('b');
  assert.equal(limiter.label('b', true, 5500), 'unknown', 'not re-read within a second');
  assert.equal(limiter.label('b', true, 6100), 'b');

  const ring: KeyRingEntry[] = [{ id: 'r1', status: 'active', createdAt: 0 }];
  const fromRing = new KeyIdLimiter({ keyRing: { keys: () => ring } });
  assert.equal(fromRing.label('r1', false, 0), 'r1');
  ring.push({ id: 'r2', status: 'revoked', createdAt: 0 });
  assert.equal(fromRing.label('r2', false, 2000), 'r2', 'revoked keys are declared too');

  const throwing = new KeyIdLimiter({ knownKeyIds: () => { throw new Error('config store down'); } });
  assert.equal(throwing.label('x', true, 0), 'unknown');
});

test('a flood of distinct forged key IDs leaves exported series and limiter state bounded', async () => {
  const h = harness();
  const wrapped = instrumentVerifier(verify, { ...h.providers, keyId: (r) => r.keyId });
  for (let i = 0; i < 20_000; i++) {
    try {
      wrapped({ keyId: `forged-${i}-${Math.random()}`, valid: false });
    } catch {
      // expected
    }
  }
  const points = await h.collect();
  const verifications = points.filter((p) => p.name === 'hmac.auth.verifications');
  const durations = points.filter((p) => p.name === 'hmac.auth.verification.duration');
  assert.equal(verifications.length, 1);
  assert.equal(verifications[0]!.value, 20_000);
  assert.equal(durations.length, 1);
  assert.ok(points.every((p) => !Object.values(p.attributes).some((v) => String(v).startsWith('forged'))));
  await h.shutdown();
});
