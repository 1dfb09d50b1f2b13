// hmacAuth middleware with real Express on 127.0.0.1 (port 0), real reference verifier, real octokit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { request as httpRequest, type Server } from 'node:http';
import express from 'express';
import { sign as octokitSign, verify as octokitVerify } from '@octokit/webhooks-methods';
import { hmacAuth, statusForReason } from '../src/express.js';
import { createHmacSigner, createHmacVerifier, createKeyRing } from '../src/reference/index.js';
import { HmacAuthError } from '../src/errors.js';
import { instrumentVerifier } from '../src/index.js';
import { claimedKeyId, claimedTimestamp } from '../src/reference/index.js';
import { harness } from './otel-harness.js';

const SECRET = 'express-test-secret-0123456789';
const ring = createKeyRing([{ id: 'key-1', secret: SECRET }]);
const verify = createHmacVerifier({ keyRing: ring, headers: ['host'] });
const seen: Array<{ body: unknown; rawBody: unknown; hmac: unknown }> = [];
const echo: express.RequestHandler = (req, res) => {
  const r = req as typeof req & { rawBody?: Buffer; hmac?: unknown };
  seen.push({ body: r.body, rawBody: r.rawBody, hmac: r.hmac });
  res.json({ ok: true, hmac: r.hmac });
};

const h = harness();
const wrapped = instrumentVerifier(verify, { ...h.providers, scheme: 'hmac-sha256', keyRing: ring, keyId: claimedKeyId, timestamp: claimedTimestamp });
let server: Server;
let base: string;
let host: string;

before(async () => {
  const app = express();
  app.post('/plain', hmacAuth({ verifier: verify }), echo);
  app.post('/after-raw', express.raw({ type: '*/*' }), hmacAuth({ verifier: verify }), echo);
  app.post('/after-json', express.json(), hmacAuth({ verifier: verify }), echo);
  app.post(
    '/after-json-keeping-raw',
    express.json({ verify: (req, _res, buf) => ((req as unknown as { rawBody: Buffer }).rawBody = Buffer.from(buf)) }),
    hmacAuth({ verifier: verify }),
    echo,
  );
  const router = express.Router();
  router.post('/hook', hmacAuth({ verifier: verify }), echo);
  app.use('/mounted', router);
  app.post('/wrapped', hmacAuth({ verifier: wrapped }), echo);
  app.post('/small', hmacAuth({ verifier: verify, limit: 16 }), echo);
  app.post('/kms', hmacAuth({ verifier: () => { throw new HmacAuthError('kms_timeout', 'KMS did not answer'); } }), echo);
  app.post('/broken', hmacAuth({ verifier: () => { throw new Error(`db password ${SECRET} rejected`); } }), echo);
  app.post(
    '/github',
    hmacAuth({
      verifier: (input, req) => octokitVerify(SECRET, input.body.toString('utf8'), String(req.headers['x-hub-signature-256'] ?? '')),
      isAccepted: (ok) => ok === true,
    }),
    echo,
  );
  await new Promise<void>((resolve) => {
    server = app.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;
  host = `127.0.0.1:${port}`;
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await h.shutdown();
});

const signer = createHmacSigner({ keyId: 'key-1', secret: SECRET, headers: ['host'] });
async function post(path: string, body: string, opts: { sign?: boolean; secret?: string; contentType?: string; tamper?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { 'content-type': opts.contentType ?? 'application/json', ...(opts.headers ?? {}) };
  if (opts.sign !== false) {
    const s = opts.secret ? createHmacSigner({ keyId: 'key-1', secret: opts.secret, headers: ['host'] }) : signer;
    Object.assign(headers, s({ method: 'POST', path, headers: { host }, body }));
  }
  const res = await fetch(base + path, { method: 'POST', headers, body: opts.tamper ?? body });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

test('a valid request reaches the handler with the raw body as req.body/req.rawBody and req.hmac set', async () => {
  const body = '{"order":1,"note":"grüß"}';
  const res = await post('/plain?x=1', body);
  assert.equal(res.status, 200);
  const last = seen.at(-1)!;
  assert.ok(Buffer.isBuffer(last.body) && Buffer.isBuffer(last.rawBody));
  assert.equal((last.body as Buffer).toString('utf8'), body);
  assert.equal((last.hmac as { keyId: string }).keyId, 'key-1');
});

test('failures answer 401 with only the reason code and a WWW-Authenticate challenge', async () => {
  const missing = await post('/plain', '{}', { sign: false });
  assert.equal(missing.status, 401);
  assert.equal(missing.text, '{"error":"missing_signature"}');
  assert.equal(missing.headers.get('www-authenticate'), 'HMAC-SHA256');
  assert.equal(missing.headers.get('cache-control'), 'no-store');

  const wrong = await post('/plain', '{}', { secret: 'another-secret-0123456789' });
  assert.deepEqual([wrong.status, wrong.text], [401, '{"error":"signature_mismatch"}']);

  const altered = await post('/plain', '{"amount":1}', { tamper: '{"amount":9}' });
  assert.deepEqual([altered.status, altered.text], [401, '{"error":"digest_mismatch"}']);

  const malformed = await post('/plain', '{}', { sign: false, headers: { authorization: 'HMAC-SHA256 keyId=key-1' } });
  assert.deepEqual([malformed.status, malformed.text], [401, '{"error":"malformed_signature"}']);
});

test('works after express.raw() (the Buffer it parsed is verified and passed on)', async () => {
  const res = await post('/after-raw', 'binary-ish payload', { contentType: 'application/octet-stream' });
  assert.equal(res.status, 200);
  assert.equal((seen.at(-1)!.body as Buffer).toString(), 'binary-ish payload');
});

test('after express.json() the raw bytes are gone: 500 internal_error, unless the parser kept rawBody', async () => {
  const lost = await post('/after-json', '{"a":1}');
  assert.deepEqual([lost.status, lost.text], [500, '{"error":"internal_error"}']);
  const kept = await post('/after-json-keeping-raw', '{"a":1}');
  assert.equal(kept.status, 200);
  assert.deepEqual(seen.at(-1)!.body, { a: 1 }, 'the parsed body stays');
  assert.equal((seen.at(-1)!.rawBody as Buffer).toString(), '{"a":1}');
});

test('a mounted router signs and verifies the full original URL', async () => {
  assert.equal((await post('/mounted/hook?b=2&a=1', 'x')).status, 200);
});

test('bodies over the limit get 413 without verification', async () => {
  const res = await post('/small', 'x'.repeat(64));
  assert.deepEqual([res.status, res.text], [413, '{"error":"payload_too_large"}']);
});

test('outcome error reasons are 5xx: kms_* → 503, anything unrecognised → 500, no message leaked', async () => {
  const kms = await post('/kms', '{}');
  assert.deepEqual([kms.status, kms.text], [503, '{"error":"kms_timeout"}']);
  assert.equal(kms.headers.get('www-authenticate'), null);
  const broken = await post('/broken', '{}');
  assert.deepEqual([broken.status, broken.text], [500, '{"error":"internal_error"}']);
  assert.equal(statusForReason('kms_unavailable'), 503);
  assert.equal(statusForReason('replay'), 401);
});

test('boolean verifiers (octokit) via isAccepted: false → 401 signature_mismatch, true → next()', async () => {
  const body = '{"action":"opened"}';
  const good = await post('/github', body, { sign: false, headers: { 'x-hub-signature-256': await octokitSign(SECRET, body) } });
  assert.equal(good.status, 200);
  const bad = await post('/github', body, { sign: false, headers: { 'x-hub-signature-256': await octokitSign('nope', body) } });
  assert.deepEqual([bad.status, bad.text], [401, '{"error":"signature_mismatch"}']);
  const none = await post('/github', body, { sign: false });
  assert.deepEqual([none.status, none.text], [401, '{"error":"missing_signature"}']);
});

test('replayed request → 401 replay', async () => {
  const body = '{"once":true}';
  const headers = signer({ method: 'POST', path: '/plain', headers: { host }, body });
  const send = () => fetch(base + '/plain', { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
  assert.equal((await send()).status, 200);
  const again = await send();
  assert.deepEqual([again.status, await again.text()], [401, '{"error":"replay"}']);
});

test('with an instrumentVerifier-wrapped verifier the same requests are counted by reason', async () => {
  assert.equal((await post('/wrapped', '{"a":1}')).status, 200);
  assert.equal((await post('/wrapped', '{}', { sign: false })).status, 401);
  assert.equal((await post('/wrapped', '{"a":1}', { tamper: '{"a":2}' })).status, 401);
  const points = await h.find('hmac.auth.verifications', { 'hmac.scheme': 'hmac-sha256' });
  const byType = Object.fromEntries(points.map((p) => [String(p.attributes['error.type'] ?? p.attributes['hmac.outcome']), p.value]));
  assert.deepEqual(byType, { accepted: 1, missing_signature: 1, digest_mismatch: 1 });
  assert.equal(points.find((p) => p.attributes['hmac.outcome'] === 'accepted')!.attributes['hmac.key_id'], 'key-1');
});

/** Sends the body in chunks without content-length (chunked transfer encoding). */
function postChunked(path: string, chunks: string[], headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(base + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

test('streamed (chunked) bodies: verified when complete, 413 once past the limit', async () => {
  const chunks = ['{"part":1,', '"more":"', 'x'.repeat(40), '"}'];
  const body = chunks.join('');
  const headers = signer({ method: 'POST', path: '/plain', headers: { host }, body });
  const ok = await postChunked('/plain', chunks, headers);
  assert.equal(ok.status, 200);
  assert.equal((seen.at(-1)!.rawBody as Buffer).toString(), body);
  const big = await postChunked('/small', ['0123456789', '0123456789', '0123456789']);
  assert.deepEqual([big.status, big.text], [413, '{"error":"payload_too_large"}']);
});
