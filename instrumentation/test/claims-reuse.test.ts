/**
 * The wrapper reads `keyId(...)` after the call, so that `claimedKeyId` can reuse the reference
 * verifier's parse of the same header instead of parsing it a second time (the drop-in path of a
 * verifier that does not advertise its verified key ID; docs/metrics.md "Performance"). The reuse
 * must never change an answer: claims always match a fresh parse of the header as it is now.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { claimedKeyId, claimedTimestamp, createHmacSigner, createHmacVerifier, createKeyRing, getHeader, parseAuthorization, type HmacRequest } from '../src/reference/index.js';
import { instrumentVerifier } from '../src/wrap/verifier.js';
import { harness } from './otel-harness.js';

const SECRET = 'claims-reuse-secret-0123456789';
const keyRing = createKeyRing([
  { id: 'k1', secret: SECRET },
  { id: 'k2', secret: `${SECRET}-2` },
]);

function signed(keyId: string): HmacRequest {
  const r: HmacRequest = { method: 'POST', path: '/hook', headers: { 'content-type': 'text/plain' }, body: 'hello' };
  r.headers = { ...r.headers, ...createHmacSigner({ keyId, secret: keyId === 'k1' ? SECRET : `${SECRET}-2` })(r) };
  return r;
}

test('keyId(...) is read after the verifier ran (once per call), and the label is the claimed key', async () => {
  const h = harness();
  const verify = createHmacVerifier({ keyRing, nonceCache: false });
  const order: string[] = [];
  const hidden = (r: HmacRequest) => {
    order.push('verify');
    return verify(r);
  };
  const wrapped = instrumentVerifier(hidden, {
    ...h.providers,
    scheme: 'claims-order',
    keyRing,
    keyId: (r: HmacRequest) => {
      order.push('keyId');
      return claimedKeyId(r);
    },
  });
  wrapped(signed('k2'));
  assert.deepEqual(order, ['verify', 'keyId']);
  const points = await h.find('hmac.auth.verifications', { 'hmac.scheme': 'claims-order' });
  assert.deepEqual(points.map((p) => [p.attributes['hmac.key_id'], p.value]), [['k2', 1]]);
  await h.shutdown();
});

test('claims after a verification answer like a fresh parse: same header, another header, a changed header, a malformed one', () => {
  const verify = createHmacVerifier({ keyRing, nonceCache: false });
  const a = signed('k1');
  const b = signed('k2');
  const expect = (r: HmacRequest) => {
    const parsed = parseAuthorization(r.headers);
    assert.equal(claimedKeyId(r), parsed?.keyId);
    assert.equal(claimedTimestamp(r), parsed?.timestamp);
  };
  verify(a);
  expect(a);
  expect(b);
  verify(a);
  // The same headers object, changed after the verifier parsed it.
  a.headers = { ...a.headers, authorization: getHeader(b.headers, 'authorization') };
  expect(a);
  verify(b);
  const malformed: HmacRequest = { ...b, headers: { ...b.headers, authorization: `${getHeader(b.headers, 'authorization')},extra=1` } };
  assert.equal(claimedKeyId(malformed), undefined);
  assert.equal(claimedTimestamp(malformed), undefined);
  assert.equal(claimedKeyId({ ...b, headers: {} }), undefined);
});
