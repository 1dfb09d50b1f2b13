// The default classifier against the real `hawk` server: every way `authenticate` fails (Boom errors).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Hawk from 'hawk';
import { classifyError } from '../src/classify/index.js';
import { HmacAuthError } from '../src/errors.js';
import type { FailureReason } from '../src/contract.js';
import { instrumentVerifier } from '../src/index.js';
import { harness } from './otel-harness.js';
import { assertExported } from './classify-wrapped-support.js';

const credentials = { id: 'client-1', key: 'hawk-test-key-material', algorithm: 'sha256' };
const lookup = (id: string) => (id === credentials.id ? credentials : null);
const body = '{"amount":100}';
const contentType = 'application/json';
const url = '/payments?account=7';

function clientHeader(opts: { key?: string; ts?: number; nonce?: string; payload?: string | null; id?: string } = {}) {
  return Hawk.client.header(`http://api.example.test:8080${url}`, 'POST', {
    credentials: { ...credentials, id: opts.id ?? credentials.id, key: opts.key ?? credentials.key },
    ...(opts.payload === null ? {} : { payload: opts.payload ?? body, contentType }),
    ...(opts.ts === undefined ? {} : { timestamp: opts.ts }),
    ...(opts.nonce === undefined ? {} : { nonce: opts.nonce }),
  }).header;
}
const request = (authorization?: string) => ({
  method: 'POST', url, host: 'api.example.test', port: 8080, contentType,
  ...(authorization === undefined ? {} : { authorization }),
});

async function reasonOf(p: Promise<unknown>): Promise<FailureReason> {
  try {
    await p;
  } catch (err) {
    return classifyError(err);
  }
  assert.fail('expected authenticate to reject');
}

test('a valid Hawk header (with payload hash) authenticates', async () => {
  const { credentials: c } = await Hawk.server.authenticate(request(clientHeader()), lookup, { payload: body });
  assert.equal(c.id, 'client-1');
});

test('no Authorization header, or another scheme → missing_signature', async () => {
  assert.equal(await reasonOf(Hawk.server.authenticate(request(), lookup)), 'missing_signature');
  assert.equal(await reasonOf(Hawk.server.authenticate(request('Basic dXNlcjpwYXNz'), lookup)), 'missing_signature');
});

test('unparseable or incomplete Hawk headers → malformed_signature', async () => {
  const cases = [
    'Hawk',
    'Hawk id="client-1"',
    'Hawk id="client-1", ts="1", nonce="n", mac="m", color="red"',
    'Hawk id="client-1", id="client-2", ts="1", nonce="n", mac="m"',
    'Hawk id="client\u00e9", ts="1", nonce="n", mac="m"',
    'Hawk id=client-1',
    'Hawk ' + 'x'.repeat(5000),
  ];
  for (const h of cases) assert.equal(await reasonOf(Hawk.server.authenticate(request(h), lookup)), 'malformed_signature', h);
});

test('unknown key id → unknown_key', async () => {
  assert.equal(await reasonOf(Hawk.server.authenticate(request(clientHeader({ id: 'nobody' })), lookup)), 'unknown_key');
});

test('wrong key → signature_mismatch (Bad mac)', async () => {
  assert.equal(await reasonOf(Hawk.server.authenticate(request(clientHeader({ key: 'wrong-key' })), lookup)), 'signature_mismatch');
});

test('body altered after signing → digest_mismatch (Bad payload hash)', async () => {
  const h = clientHeader();
  assert.equal(await reasonOf(Hawk.server.authenticate(request(h), lookup, { payload: '{"amount":1000}' })), 'digest_mismatch');
});

test('server requires a payload hash the client did not send → malformed_signature', async () => {
  const h = clientHeader({ payload: null });
  assert.equal(await reasonOf(Hawk.server.authenticate(request(h), lookup, { payload: body })), 'malformed_signature');
});

test('replayed nonce (nonceFunc) → replay', async () => {
  const seen = new Set<string>();
  const nonceFunc = (_key: string, nonce: string, ts: string) => {
    const k = `${ts}:${nonce}`;
    if (seen.has(k)) throw new Error('replayed');
    seen.add(k);
  };
  const h = clientHeader();
  await Hawk.server.authenticate(request(h), lookup, { nonceFunc });
  assert.equal(await reasonOf(Hawk.server.authenticate(request(h), lookup, { nonceFunc })), 'replay');
});

test('timestamp outside the skew window (past or future) → timestamp_skew', async () => {
  const now = Math.floor(Date.now() / 1000);
  for (const ts of [now - 600, now + 600]) {
    const h = clientHeader({ ts });
    assert.equal(await reasonOf(Hawk.server.authenticate(request(h), lookup, { timestampSkewSec: 60 })), 'timestamp_skew', String(ts));
  }
});

test('an HmacAuthError thrown by credentialsFunc keeps its reason (e.g. revoked_key)', async () => {
  const revoked = () => {
    throw new HmacAuthError('revoked_key');
  };
  assert.equal(await reasonOf(Hawk.server.authenticate(request(clientHeader()), revoked)), 'revoked_key');
});

test('server-side failures are internal_error: credential store throws, bad credentials object', async () => {
  const broken = () => {
    throw new Error('database down');
  };
  assert.equal(await reasonOf(Hawk.server.authenticate(request(clientHeader()), broken)), 'internal_error');
  const noAlgorithm = () => ({ key: 'k', algorithm: '' });
  assert.equal(await reasonOf(Hawk.server.authenticate(request(clientHeader()), noAlgorithm)), 'internal_error');
  const badAlgorithm = () => ({ key: 'k', algorithm: 'md4' });
  assert.equal(await reasonOf(Hawk.server.authenticate(request(clientHeader()), badAlgorithm)), 'internal_error');
});

test('wrapped with instrumentVerifier and the real SDK: exported error.type/outcome per failure', async () => {
  const h = harness();
  const seen = new Set<string>();
  const nonceFunc = (_k: string, nonce: string, ts: string) => {
    if (seen.has(ts + nonce)) throw new Error('replayed');
    seen.add(ts + nonce);
  };
  const authenticate = instrumentVerifier(Hawk.server.authenticate, {
    ...h.providers,
    scheme: 'hawk',
    knownKeyIds: ['client-1'],
    keyId: (req) => /\bid="([^"]*)"/.exec((req as { authorization?: string }).authorization ?? '')?.[1],
  });
  const opts = { payload: body, nonceFunc, timestampSkewSec: 60 };
  const valid = clientHeader();
  const now = Math.floor(Date.now() / 1000);
  const calls: Array<[() => Promise<unknown>, FailureReason | 'accepted']> = [
    [() => authenticate(request(valid), lookup, opts), 'accepted'],
    [() => authenticate(request(valid), lookup, opts), 'replay'],
    [() => authenticate(request(), lookup, opts), 'missing_signature'],
    [() => authenticate(request('Hawk id="x"'), lookup, opts), 'malformed_signature'],
    [() => authenticate(request(clientHeader({ id: 'nobody' })), lookup, opts), 'unknown_key'],
    [() => authenticate(request(clientHeader({ key: 'wrong' })), lookup, opts), 'signature_mismatch'],
    [() => authenticate(request(clientHeader()), lookup, { ...opts, payload: '{"amount":1}' }), 'digest_mismatch'],
    [() => authenticate(request(clientHeader({ ts: now - 600 })), lookup, opts), 'timestamp_skew'],
    [() => authenticate(request(clientHeader()), () => { throw new HmacAuthError('revoked_key'); }, opts), 'revoked_key'],
  ];
  for (const [call, expected] of calls) {
    if (expected === 'accepted') await call();
    else assert.equal(await reasonOf(call()), expected);
  }
  await assertExported(h, 'hawk', calls.map(([, r]) => r));
  // Forged key IDs never become label values.
  const keyIds = new Set((await h.find('hmac.auth.verifications')).map((p) => p.attributes['hmac.key_id']));
  assert.ok(!keyIds.has('nobody') && !keyIds.has('x'));
  await h.shutdown();
});
