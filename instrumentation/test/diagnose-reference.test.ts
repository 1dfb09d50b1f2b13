// Mismatch diagnosis of the package's reference verifier: key-ring members, the secret's format,
// the opt-in component digests, body causes of a digest_mismatch, and no state touched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  claimedKeyId,
  createHmacSigner,
  createHmacVerifier,
  createKeyRing,
  createNonceCache,
  instrumentVerifier,
  type HmacRequest,
} from '../src/index.js';
import { harness } from './otel-harness.js';
import { counted, failing, spanCauses } from './diagnose-support.js';

const K1 = 'reference-key-one-0123456789abcdef';
const K2 = 'reference-key-two-0123456789abcdef';

function setup(ring = createKeyRing([{ id: 'k1', secret: K1, status: 'retiring' }, { id: 'k2', secret: K2 }]), diagnose = {}) {
  const h = harness();
  const nonceCache = createNonceCache({ ttlSeconds: 600 });
  const verify = instrumentVerifier(createHmacVerifier({ keyRing: ring, nonceCache }), { ...h.providers, scheme: 'hmac-sha256', keyRing: ring, keyId: claimedKeyId, diagnose });
  return { h, verify, nonceCache };
}

function signed(request: HmacRequest, keyId: string, secret: string, headers: string[] = [], componentDigests = true): HmacRequest {
  const sign = createHmacSigner({ keyId, secret, headers, componentDigests });
  return { ...request, headers: { ...(request.headers as Record<string, string>), ...sign(request) } };
}

const base: HmacRequest = { method: 'POST', path: '/api/orders?id=7&b=a b', headers: { host: 'api.test', 'content-type': 'application/json' }, body: '{"amount":100}' };

test('rotation lag (F5): the client names the new key but still signs with the retiring one → signed_with_other_key k1, on the span and the counter', async () => {
  const { h, verify } = setup();
  await failing(() => verify(signed(base, 'k2', K1)));
  assert.deepEqual(spanCauses(h), ['signed_with_other_key@k1']);
  assert.deepEqual(await counted(h, 'hmac-sha256'), { 'signature_mismatch/signed_with_other_key/k1': 1 });
  await h.shutdown();
});

test('aws-sdk-js-v3#5268, minio#12924: a proxy appended "; charset=utf-8" to a signed header → header_changed', async () => {
  const { h, verify } = setup();
  const req = signed(base, 'k2', K2, ['content-type', 'host']);
  await failing(() => verify({ ...req, headers: { ...(req.headers as Record<string, string>), 'content-type': 'application/json; charset=utf-8' } }));
  assert.deepEqual(spanCauses(h), ['header_changed']);
  await h.shutdown();
});

test('path, query, method rewritten by a proxy (twilio-node#321: URL drift) → path_changed, query_changed, method_changed', async () => {
  const { h, verify } = setup();
  const req = signed(base, 'k2', K2);
  await failing(() => verify({ ...req, path: '/orders?id=7&b=a b' })); // prefix stripped
  await failing(() => verify({ ...req, path: '/api/orders?id=7&b=a+b' })); // space re-encoded as a literal +
  await failing(() => verify({ ...req, method: 'PUT' }));
  assert.deepEqual(spanCauses(h), ['path_changed', 'query_changed', 'method_changed']);
  await h.shutdown();
});

test('a gateway rewrote the Authorization header\'s ts (the signer signed another time) → timestamp_changed', async () => {
  const { h, verify } = setup();
  const req = signed(base, 'k2', K2);
  const headers = req.headers as Record<string, string>;
  const auth = headers.authorization!.replace(/ts=(\d+)/, (_m, ts: string) => `ts=${Number(ts) + 1}`);
  await failing(() => verify({ ...req, headers: { ...headers, authorization: auth } }));
  assert.deepEqual(spanCauses(h), ['timestamp_changed']);
  await h.shutdown();
});

test('every component matches but the secret differs → secret_differs; without component digests → undiagnosed', async () => {
  const { h, verify } = setup();
  await failing(() => verify(signed(base, 'k2', 'a-secret-nobody-configured-000000')));
  await failing(() => verify(signed(base, 'k2', 'a-secret-nobody-configured-000000', [], false)));
  assert.deepEqual(spanCauses(h), ['secret_differs', 'undiagnosed']);
  await h.shutdown();
});

test('the configured key has a trailing newline from a secrets file → secret_format', async () => {
  const { h, verify } = setup(createKeyRing([{ id: 'k2', secret: `${K2}\n` }]));
  await failing(() => verify(signed(base, 'k2', K2)));
  assert.deepEqual(spanCauses(h), ['secret_format']);
  await h.shutdown();
});

test('digest_mismatch: JSON.stringify(req.body) of a pretty body → body_reserialized; a tampered amount → undiagnosed', async () => {
  const { h, verify } = setup();
  const pretty = { ...base, body: JSON.stringify({ amount: 100, note: 'a/b' }, null, 2) };
  const req = signed(pretty, 'k2', K2);
  await failing(() => verify({ ...req, body: JSON.stringify(JSON.parse(pretty.body as string)) }));
  await failing(() => verify({ ...req, body: (pretty.body as string).replace('100', '999') }));
  assert.deepEqual(spanCauses(h), ['body_reserialized', 'undiagnosed']);
  assert.deepEqual(await counted(h, 'hmac-sha256'), { 'digest_mismatch/body_reserialized/k2': 1, 'digest_mismatch/undiagnosed/k2': 1 });
  await h.shutdown();
});

test('a parsed body → internal_error, body_not_raw', async () => {
  const { h, verify } = setup();
  const req = signed(base, 'k2', K2);
  await failing(() => verify({ ...req, body: JSON.parse(base.body as string) }));
  assert.deepEqual(spanCauses(h), ['body_not_raw']);
  await h.shutdown();
});

test('diagnosis records no nonce: the diagnosed request\'s nonce stays fresh', async () => {
  const { h, verify, nonceCache } = setup();
  const req = signed(base, 'k2', K1); // signed_with_other_key is diagnosed by re-computing the MAC
  await failing(() => verify(req));
  assert.equal(nonceCache.size, 0);
  verify(signed(base, 'k2', K2));
  assert.equal(nonceCache.size, 1);
  await h.shutdown();
});
