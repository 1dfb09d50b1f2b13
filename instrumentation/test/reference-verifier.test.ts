// The reference verifier: every failure reason, key rotation, revocation, nonce TTL and bound,
// timestamp window edges.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import {
  claimedKeyId,
  claimedTimestamp,
  createHmacSigner,
  createHmacVerifier,
  createKeyRing,
  createNonceCache,
  parseAuthorization,
  type HmacRequest,
} from '../src/reference/index.js';
import { HmacAuthError } from '../src/errors.js';
import { classifyError } from '../src/classify/index.js';
import type { FailureReason } from '../src/contract.js';
import { instrumentVerifier } from '../src/index.js';
import { harness } from './otel-harness.js';
import { instrumentReplayCache } from '../src/wrap/replay-cache.js';
import { assertExported } from './classify-wrapped-support.js';

const T0 = 1_767_225_600_000; // ms
const SECRET_A = 'secret-a-0123456789abcdef';
const SECRET_B = 'secret-b-0123456789abcdef';

function setup(opts: { window?: number; headers?: string[] } = {}) {
  let now = T0;
  const clock = () => now;
  const ring = createKeyRing(
    [
      { id: 'key-a', secret: SECRET_A, createdAt: T0 - 86_400_000 },
      { id: 'key-b', secret: SECRET_B, createdAt: T0 },
      { id: 'key-old', secret: 'secret-old-0123456789abcd', status: 'retiring' },
      { id: 'key-leaked', status: 'revoked' },
    ],
    { clock },
  );
  const verify = createHmacVerifier({
    keyRing: ring,
    clock,
    timestampWindowSeconds: opts.window ?? 300,
    ...(opts.headers ? { headers: opts.headers } : {}),
  });
  return { ring, verify, setNow: (ms: number) => (now = ms), clock };
}
const base: HmacRequest = { method: 'POST', path: '/orders?b=2&a=1', headers: { host: 'shop.example', 'content-type': 'application/json' }, body: '{"qty":3}' };
function signed(opts: { keyId?: string; secret?: string; at?: number; nonce?: string; headers?: string[]; req?: HmacRequest } = {}) {
  const req = opts.req ?? base;
  const sign = createHmacSigner({
    keyId: opts.keyId ?? 'key-a',
    secret: opts.secret ?? SECRET_A,
    headers: opts.headers ?? ['host'],
    clock: () => opts.at ?? T0,
    ...(opts.nonce ? { nonce: () => opts.nonce! } : {}),
  });
  return { ...req, headers: { ...(req.headers as Record<string, string>), ...sign(req) } };
}
function reasonOf(fn: () => unknown): FailureReason {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof HmacAuthError, `expected HmacAuthError, got ${String(err)}`);
    assert.equal(classifyError(err), err.reason);
    return err.reason;
  }
  assert.fail('expected verify to throw');
}
const withHeader = (r: HmacRequest, name: string, value: string | undefined) => {
  const h = { ...(r.headers as Record<string, string>) };
  if (value === undefined) delete h[name];
  else h[name] = value;
  return { ...r, headers: h };
};

test('a correctly signed request is accepted and reports key, timestamp, nonce', () => {
  const { verify } = setup();
  const r = signed({ nonce: 'abcdefgh12345678' });
  assert.deepEqual(verify(r), { keyId: 'key-a', keyStatus: 'active', timestamp: T0 / 1000, nonce: 'abcdefgh12345678', signedHeaders: ['host'] });
});

test('missing_signature: no Authorization header, or another scheme', () => {
  const { verify } = setup();
  assert.equal(reasonOf(() => verify(withHeader(signed(), 'authorization', undefined))), 'missing_signature');
  assert.equal(reasonOf(() => verify(withHeader(signed(), 'authorization', 'Bearer abc'))), 'missing_signature');
  assert.equal(reasonOf(() => verify(withHeader(signed(), 'authorization', '   '))), 'missing_signature');
});

test('malformed_signature: bad header syntax, bad parameters, missing digest header, unsigned required header', () => {
  const { verify } = setup({ headers: ['host'] });
  const good = signed().headers.authorization as string;
  const variants = [
    'HMAC-SHA256',
    'HMAC-SHA256 keyId=key-a',
    good.replace('ts=', 'ts=x'),
    good.replace(/sig=[^,]+/, 'sig=tooshort'),
    good.replace(/nonce=[^,]+/, 'nonce=short'),
    good + ',extra=1',
    good.replace('keyId=key-a', 'keyId=key-a,keyId=key-b'),
    good.replace('headers=host', 'headers=host;host'),
    good.replace('headers=host', 'headers=authorization'),
    good.replace('keyId=key-a', 'keyId=bad id'),
  ];
  for (const a of variants) assert.equal(reasonOf(() => verify(withHeader(signed(), 'authorization', a))), 'malformed_signature', a);
  assert.equal(reasonOf(() => verify(withHeader(signed(), 'x-hmac-content-sha256', undefined))), 'malformed_signature');
  assert.equal(reasonOf(() => verify(withHeader(signed(), 'x-hmac-content-sha256', 'not-hex'))), 'malformed_signature');
  assert.equal(reasonOf(() => verify(signed({ headers: [] }))), 'malformed_signature');
  assert.equal(reasonOf(() => verify({ ...signed(), path: '/orders?a=%zz' })), 'malformed_signature');
});

test('unknown_key and revoked_key', () => {
  const { verify } = setup();
  assert.equal(reasonOf(() => verify(signed({ keyId: 'key-nobody' }))), 'unknown_key');
  assert.equal(reasonOf(() => verify(signed({ keyId: 'key-leaked', secret: 'whatever-the-leaked-secret' }))), 'revoked_key');
});

test('signature_mismatch: wrong secret, altered path, query, method, signed header, timestamp or nonce', () => {
  const { verify } = setup();
  assert.equal(reasonOf(() => verify(signed({ secret: SECRET_B }))), 'signature_mismatch');
  assert.equal(reasonOf(() => verify({ ...signed(), path: '/orders?b=2&a=9' })), 'signature_mismatch');
  assert.equal(reasonOf(() => verify({ ...signed(), path: '/other?b=2&a=1' })), 'signature_mismatch');
  assert.equal(reasonOf(() => verify({ ...signed(), method: 'PUT' })), 'signature_mismatch');
  assert.equal(reasonOf(() => verify(withHeader(signed(), 'host', 'evil.example'))), 'signature_mismatch');
  assert.equal(reasonOf(() => verify(withHeader(signed(), 'host', undefined))), 'signature_mismatch');
  const auth = signed().headers.authorization as string;
  assert.equal(reasonOf(() => verify(withHeader(signed(), 'authorization', auth.replace(/ts=\d+/, `ts=${T0 / 1000 + 1}`)))), 'signature_mismatch');
  assert.equal(reasonOf(() => verify(withHeader(signed(), 'authorization', auth.replace(/nonce=[^,]+/, 'nonce=forged-nonce-1')))), 'signature_mismatch');
  // A digest header rewritten to match an altered body breaks the signature (the digest is signed).
  const altered = '{"qty":300}';
  const digest = createHash('sha256').update(altered).digest('hex');
  assert.equal(reasonOf(() => verify({ ...withHeader(signed(), 'x-hmac-content-sha256', digest), body: altered })), 'signature_mismatch');
});

test('query order and equivalent encodings do not matter; unsigned headers may change', () => {
  const { verify } = setup();
  const r = signed();
  assert.equal(verify({ ...r, path: '/orders?a=1&b=2' }).keyId, 'key-a');
  const r2 = signed({ req: { ...base, path: '/p?x=%2f' } });
  assert.equal(verify({ ...r2, path: '/p?x=%2F' }).keyId, 'key-a');
  const r3 = signed();
  assert.equal(verify(withHeader(r3, 'content-type', 'text/plain')).keyId, 'key-a');
});

test('digest_mismatch: a genuine signature over a body altered in transit', () => {
  const { verify } = setup();
  assert.equal(reasonOf(() => verify({ ...signed(), body: '{"qty":300}' })), 'digest_mismatch');
  assert.equal(reasonOf(() => verify({ ...signed(), body: undefined })), 'digest_mismatch');
  // Bytes and strings are the same body.
  assert.equal(verify({ ...signed(), body: Buffer.from('{"qty":3}') }).keyId, 'key-a');
});

test('timestamp window edges: exactly the window passes, one second more is timestamp_skew, both directions', () => {
  const { verify } = setup({ window: 300 });
  assert.equal(verify(signed({ at: T0 - 300_000 })).keyId, 'key-a');
  assert.equal(verify(signed({ at: T0 + 300_000 })).keyId, 'key-a');
  assert.equal(reasonOf(() => verify(signed({ at: T0 - 301_000 }))), 'timestamp_skew');
  assert.equal(reasonOf(() => verify(signed({ at: T0 + 301_000 }))), 'timestamp_skew');
});

test('timestamp is checked after the signature: a forged stale request is signature_mismatch', () => {
  const { verify } = setup();
  assert.equal(reasonOf(() => verify(signed({ at: T0 - 3_600_000, secret: SECRET_B }))), 'signature_mismatch');
});

test('replay: the same nonce twice is rejected; a rejected request does not use up its nonce', () => {
  const { verify } = setup();
  const r = signed({ nonce: 'nonce-replay-0001' });
  assert.equal(reasonOf(() => verify({ ...r, body: 'tampered' })), 'digest_mismatch');
  verify(r);
  assert.equal(reasonOf(() => verify(r)), 'replay');
  // Same nonce under another key is another client's nonce.
  assert.equal(verify(signed({ keyId: 'key-b', secret: SECRET_B, nonce: 'nonce-replay-0001' })).keyId, 'key-b');
});

test('rotation: several active keys and a retiring key verify; keys added, retired, revoked at run time', () => {
  const { verify, ring } = setup();
  assert.equal(verify(signed({ keyId: 'key-a' })).keyStatus, 'active');
  assert.equal(verify(signed({ keyId: 'key-b', secret: SECRET_B })).keyStatus, 'active');
  assert.equal(verify(signed({ keyId: 'key-old', secret: 'secret-old-0123456789abcd' })).keyStatus, 'retiring');
  ring.add({ id: 'key-c', secret: 'secret-c-0123456789abcdef' });
  assert.equal(verify(signed({ keyId: 'key-c', secret: 'secret-c-0123456789abcdef' })).keyId, 'key-c');
  ring.retire('key-a');
  assert.equal(verify(signed({ keyId: 'key-a' })).keyStatus, 'retiring');
  ring.revoke('key-a');
  assert.equal(reasonOf(() => verify(signed({ keyId: 'key-a' }))), 'revoked_key');
  assert.throws(() => ring.setStatus('key-a', 'active'), /revoked for good/);
  ring.remove('key-b');
  assert.equal(reasonOf(() => verify(signed({ keyId: 'key-b', secret: SECRET_B }))), 'unknown_key');
  assert.deepEqual(ring.activeIds().sort(), ['key-c']);
});

test('the key ring lists ids, statuses and ages, never secrets', () => {
  const { ring } = setup();
  const entries = ring.keys();
  assert.deepEqual(entries.map((e) => [e.id, e.status]), [['key-a', 'active'], ['key-b', 'active'], ['key-old', 'retiring'], ['key-leaked', 'revoked']]);
  assert.equal(entries[0]!.createdAt, T0 - 86_400_000);
  const dump = JSON.stringify(entries) + JSON.stringify(ring);
  assert.ok(!dump.includes(SECRET_A) && !dump.includes(Buffer.from(SECRET_A).toString('hex')));
  assert.throws(() => createKeyRing([{ id: 'k', secret: 'short' }]), /16 bytes/);
  assert.throws(() => createKeyRing([{ id: 'bad id', secret: SECRET_A }]), /key ID/);
});

test('nonce cache: TTL expiry, size bound, both has/add and check shapes', () => {
  let now = 0;
  const cache = createNonceCache({ ttlSeconds: 10, maxEntries: 3, clock: () => now });
  assert.equal(cache.check('n1'), true);
  assert.equal(cache.check('n1'), false);
  now = 9_999;
  assert.equal(cache.has('n1'), true);
  now = 10_000;
  assert.equal(cache.has('n1'), false, 'expired at exactly the TTL');
  assert.equal(cache.size, 0);
  for (const n of ['a', 'b', 'c', 'd']) cache.add(n);
  assert.equal(cache.size, 3);
  assert.equal(cache.has('a'), false, 'oldest evicted at the bound');
  assert.equal(cache.has('d'), true);
});

test('replay protection follows the nonce TTL: after expiry (and inside the window) a nonce is usable again', () => {
  let now = T0;
  const clock = () => now;
  const ring = createKeyRing([{ id: 'key-a', secret: SECRET_A }]);
  const nonceCache = createNonceCache({ ttlSeconds: 60, clock });
  const verify = createHmacVerifier({ keyRing: ring, clock, nonceCache, timestampWindowSeconds: 300 });
  const r = signed({ nonce: 'nonce-ttl-000001' });
  verify(r);
  now = T0 + 59_000;
  assert.equal(reasonOf(() => verify(r)), 'replay');
  now = T0 + 60_000;
  assert.equal(verify(r).keyId, 'key-a');
});

test('the verifier accepts a has/add-shaped cache and nonceCache: false', () => {
  const ring = createKeyRing([{ id: 'key-a', secret: SECRET_A }]);
  const seen = new Set<string>();
  const verify = createHmacVerifier({ keyRing: ring, clock: () => T0, nonceCache: { has: (n) => seen.has(n), add: (n) => seen.add(n) } });
  const r = signed();
  verify(r);
  assert.equal(reasonOf(() => verify(r)), 'replay');
  const noReplayCheck = createHmacVerifier({ keyRing: ring, clock: () => T0, nonceCache: false });
  noReplayCheck(r);
  noReplayCheck(r);
});

test('a parsed body is the application’s mistake: TypeError, classified internal_error', () => {
  const { verify } = setup();
  assert.throws(() => verify({ ...signed(), body: { qty: 3 } as unknown as string }), (err) => {
    assert.ok(err instanceof TypeError);
    assert.equal(classifyError(err), 'internal_error');
    return true;
  });
});

test('parseAuthorization / claimedKeyId / claimedTimestamp read claims without verifying, never throw', () => {
  const r = signed({ keyId: 'key-nobody', at: T0 + 5_000 });
  assert.equal(claimedKeyId(r), 'key-nobody');
  assert.equal(claimedTimestamp(r), T0 / 1000 + 5);
  assert.equal(parseAuthorization(r.headers)?.headers[0], 'host');
  assert.equal(claimedKeyId({ ...r, headers: {} }), undefined);
  assert.equal(parseAuthorization({ Authorization: 'HMAC-SHA256 garbage' }), undefined);
  // Case-insensitive header lookup, and fetch-style Headers.
  const h = new Headers({ Authorization: r.headers.authorization as string });
  assert.equal(parseAuthorization(h)?.keyId, 'key-nobody');
});

test('error messages carry no secret, signature or canonical string', () => {
  const { verify } = setup();
  const r = signed();
  const sig = /sig=([^,]+)/.exec(r.headers.authorization as string)![1]!;
  const messages: string[] = [];
  for (const bad of [signed({ secret: SECRET_B }), { ...r, body: 'x' }, withHeader(r, 'authorization', 'HMAC-SHA256 x')]) {
    try {
      verify(bad);
    } catch (e) {
      messages.push(String((e as Error).message), String((e as Error).stack));
    }
  }
  const expectedHmac = createHmac('sha256', SECRET_A).update('x').digest('hex');
  for (const m of messages) {
    for (const s of [SECRET_A, SECRET_B, sig, 'HMAC-SHA256\nPOST', expectedHmac]) assert.ok(!m.includes(s), `leak in ${m}`);
  }
});

test('wrapped with instrumentVerifier and the real SDK: every reason exported, key IDs bounded by the ring', async () => {
  const h = harness();
  const { verify: bare, ring } = setup();
  const verify = instrumentVerifier(bare, { ...h.providers, scheme: 'hmac-sha256', keyRing: ring, keyId: claimedKeyId, timestamp: claimedTimestamp });
  const r = signed({ nonce: 'nonce-wrapped-001' });
  const calls: Array<[() => unknown, FailureReason | 'accepted']> = [
    [() => verify(r), 'accepted'],
    [() => verify(r), 'replay'],
    [() => verify(withHeader(r, 'authorization', undefined)), 'missing_signature'],
    [() => verify(withHeader(r, 'x-hmac-content-sha256', undefined)), 'malformed_signature'],
    [() => verify(signed({ keyId: 'forged-key-id' })), 'unknown_key'],
    [() => verify(signed({ keyId: 'key-leaked' })), 'revoked_key'],
    [() => verify(signed({ secret: SECRET_B })), 'signature_mismatch'],
    [() => verify({ ...signed(), body: 'altered' }), 'digest_mismatch'],
    [() => verify(signed({ at: T0 - 3_600_000 })), 'timestamp_skew'],
  ];
  for (const [call, expected] of calls) {
    if (expected === 'accepted') assert.equal((call() as { keyId: string }).keyId, 'key-a');
    else assert.equal(reasonOf(call), expected);
  }
  await assertExported(h, 'hmac-sha256', calls.map(([, x]) => x));
  const labels = new Set((await h.find('hmac.auth.verifications')).map((p) => p.attributes['hmac.key_id']));
  assert.ok(!labels.has('forged-key-id'), 'a forged key ID is not a label value');
  assert.ok(labels.has('key-a') && labels.has('key-leaked'));
  await h.shutdown();
});

test('the nonce cache wrapped by instrumentReplayCache: fresh/replayed counted, size reported', async () => {
  const h = harness();
  const ring = createKeyRing([{ id: 'key-a', secret: SECRET_A }]);
  const nonceCache = instrumentReplayCache(createNonceCache({ clock: () => T0 }), { ...h.providers, scheme: 'hmac-sha256' });
  const verify = createHmacVerifier({ keyRing: ring, clock: () => T0, nonceCache });
  verify(signed({ nonce: 'nonce-counted-01' }));
  verify(signed({ nonce: 'nonce-counted-02' }));
  assert.equal(reasonOf(() => verify(signed({ nonce: 'nonce-counted-01' }))), 'replay');
  const checks = await h.find('hmac.replay.checks', { 'hmac.scheme': 'hmac-sha256' });
  const byResult = Object.fromEntries(checks.map((p) => [p.attributes['hmac.replay.result'], p.value]));
  assert.deepEqual(byResult, { fresh: 2, replayed: 1 });
  const size = await h.find('hmac.replay.cache.size', { 'hmac.scheme': 'hmac-sha256' });
  assert.equal(size[0]?.value, 2);
  await h.shutdown();
});
