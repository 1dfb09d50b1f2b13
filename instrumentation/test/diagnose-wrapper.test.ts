// The wrapper side of mismatch diagnosis: the budget (token bucket → skipped), the custom-verifier
// hook, the body-size limit, and a broken hook never reaching the caller.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { HmacAuthError, instrumentVerifier, type DiagnosisSubject } from '../src/index.js';
import { TokenBucket } from '../src/diagnose/budget.js';
import { harness } from './otel-harness.js';
import { counted, failing, spanCauses } from './diagnose-support.js';

const secret = 'custom-scheme-secret-0123456789';
const mac = (key: Uint8Array | string, body: Uint8Array | string) => createHmac('sha256', key).update(body).digest('hex');

interface Req {
  body: string;
  sig: string;
}
function verifyMine(req: Req): true {
  const expected = Buffer.from(mac(secret, req.body));
  const given = Buffer.from(req.sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new HmacAuthError('signature_mismatch');
  return true;
}
// The documented opt-in for a custom verifier: how to check a candidate body or secret for this call.
const subject = (req: Req): DiagnosisSubject => ({
  body: req.body,
  secret: Buffer.from(secret),
  bodyMatches: (candidate) => mac(secret, candidate) === req.sig,
  secretMatches: (key) => mac(key, req.body) === req.sig,
});

test('a custom verifier opts in with diagnose.subject; without it, its mismatches carry no cause', async () => {
  const h = harness();
  const withHook = instrumentVerifier(verifyMine, { ...h.providers, scheme: 'mine-v1', diagnose: { subject } });
  const without = instrumentVerifier(verifyMine, { ...h.providers, scheme: 'mine-v2' });
  const body = '{"a":1}';
  await failing(() => withHook({ body: `${body}\r\n`, sig: mac(secret, body) }));
  await failing(() => without({ body: `${body}\r\n`, sig: mac(secret, body) }));
  assert.deepEqual(spanCauses(h), ['body_whitespace', '']);
  await h.shutdown();
});

test('the token bucket caps diagnoses: past the burst, failures are counted as skipped until it refills', async () => {
  const h = harness();
  const verify = instrumentVerifier(verifyMine, { ...h.providers, scheme: 'mine-v1', diagnose: { subject, ratePerSecond: 0, burst: 2 } });
  for (let i = 0; i < 5; i++) await failing(() => verify({ body: `forged ${i}`, sig: '0'.repeat(64) }));
  assert.deepEqual(spanCauses(h), ['undiagnosed', 'undiagnosed', 'skipped', 'skipped', 'skipped']);
  assert.deepEqual(await counted(h, 'mine-v1'), { 'signature_mismatch/undiagnosed/unknown': 2, 'signature_mismatch/skipped/unknown': 3 });
  await h.shutdown();
});

test('TokenBucket refills at its rate up to its burst', () => {
  const b = new TokenBucket(10, 2, 0);
  assert.deepEqual([b.take(0), b.take(0), b.take(0)], [true, true, false]);
  assert.equal(b.take(50), false); // half a token
  assert.equal(b.take(100), true);
  assert.deepEqual([b.take(10_000), b.take(10_000), b.take(10_000)], [true, true, false]);
  assert.throws(() => new TokenBucket(-1, 1, 0), /ratePerSecond/);
});

test('bodies above maxBodyBytes are not diagnosed (skipped)', async () => {
  const h = harness();
  const verify = instrumentVerifier(verifyMine, { ...h.providers, scheme: 'mine-v1', diagnose: { subject, maxBodyBytes: 16 } });
  const body = 'x'.repeat(64);
  await failing(() => verify({ body: `${body}\n`, sig: mac(secret, body) }));
  assert.deepEqual(spanCauses(h), ['skipped']);
  await h.shutdown();
});

test('a throwing subject hook: the caller gets the verifier\'s own error, the cause is undiagnosed', async () => {
  const h = harness();
  const verify = instrumentVerifier(verifyMine, {
    ...h.providers,
    scheme: 'mine-v1',
    diagnose: {
      subject: () => ({ body: 'x', bodyMatches: () => { throw new Error(`boom ${secret}`); } }),
    },
  });
  const err = await failing(() => verify({ body: 'y', sig: 'z' }));
  assert.ok(err instanceof HmacAuthError && err.reason === 'signature_mismatch');
  assert.deepEqual(spanCauses(h), ['undiagnosed']);
  await h.shutdown();
});

test('other failure reasons (unknown_key, timestamp_skew, ...) are not diagnosed', async () => {
  const h = harness();
  const verify = instrumentVerifier(() => { throw new HmacAuthError('timestamp_skew'); }, { ...h.providers, scheme: 'mine-v1', diagnose: { subject: () => ({ body: {} }) } });
  await failing(() => verify());
  assert.deepEqual(spanCauses(h), ['']);
  await h.shutdown();
});

test('diagnose.otherSecrets IDs must be short tokens (they become the hmac.key_id label when they verify)', () => {
  assert.throws(() => instrumentVerifier(verifyMine, { scheme: 'mine-v1', diagnose: { otherSecrets: [{ id: 'has spaces {x}', secret }] } }), /otherSecrets/);
  assert.doesNotThrow(() => instrumentVerifier(verifyMine, { scheme: 'mine-v1', diagnose: { otherSecrets: [{ id: 'stripe-cli', secret }] } }));
});

test('the success path does no diagnosis work: the subject hook is never called for accepted calls', async () => {
  const h = harness();
  let built = 0;
  const verify = instrumentVerifier(verifyMine, { ...h.providers, scheme: 'mine-v1', diagnose: { subject: (req: Req) => (built++, subject(req)) } });
  for (let i = 0; i < 100; i++) verify({ body: `ok ${i}`, sig: mac(secret, `ok ${i}`) });
  assert.equal(built, 0);
  await failing(() => verify({ body: 'x', sig: 'y' }));
  assert.equal(built, 1);
  await h.shutdown();
});
