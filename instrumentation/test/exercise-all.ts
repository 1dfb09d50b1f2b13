/**
 * Drives every wrapper once per interesting outcome, so each contract instrument has data. Shared by
 * the Prometheus-name and secrets-sweep tests.
 */
import { createHmac } from 'node:crypto';
import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import { instrumentVerifier } from '../src/wrap/verifier.js';
import { instrumentSigner } from '../src/wrap/signer.js';
import { instrumentKms } from '../src/wrap/kms.js';
import { instrumentKeyStore } from '../src/wrap/keystore.js';
import { instrumentReplayCache } from '../src/wrap/replay-cache.js';
import { observeKeyRing } from '../src/wrap/key-ring.js';
import { HmacAuthError } from '../src/errors.js';
import { bodySha256Hex, claimedKeyId, createHmacSigner, createHmacVerifier, createKeyRing, createNonceCache, type HmacRequest } from '../src/reference/index.js';

export async function exerciseAll(
  // Without a meterProvider the wrappers report to the global one (the prom-client road: none at all).
  providers: { meterProvider?: MeterProvider; tracerProvider?: TracerProvider },
  secret: string,
  options: { recordErrorMessages?: boolean } = {},
): Promise<{ signatures: string[]; stop(): void; requestParts: string[] }> {
  const { recordErrorMessages = false } = options;
  const signatures: string[] = [];
  const macOf = (body: string) => createHmac('sha256', secret).update(body).digest('hex');
  const sign = instrumentSigner((body: string) => {
    if (body === 'sign-with-revoked-key') throw new HmacAuthError('revoked_key', `key material ${secret} revoked`);
    const sig = macOf(body);
    signatures.push(sig);
    return sig;
  }, { ...providers, scheme: 'custom-v1', keyId: () => 'k1', knownKeyIds: ['k1'], recordErrorMessages });
  const verify = instrumentVerifier(
    (req: { body: string; sig: string; keyId: string; ts: number }) => {
      const expected = macOf(req.body);
      // A careless verifier that puts secret material in its error messages: it must stay out of telemetry.
      if (req.sig !== expected) throw new HmacAuthError('signature_mismatch', `expected ${expected} with key ${secret}, got ${req.sig}`);
      return true;
    },
    { ...providers, scheme: 'custom-v1', keyId: (r) => r.keyId, knownKeyIds: ['k1'], timestamp: (r) => r.ts, clientId: () => 'client-7', recordErrorMessages },
  );
  try {
    sign('sign-with-revoked-key');
  } catch {
    // expected: revoked_key
  }
  const now = Math.floor(Date.now() / 1000);
  const good = sign('{"hello":"world"}');
  verify({ body: '{"hello":"world"}', sig: good, keyId: 'k1', ts: now - 3 });
  try {
    verify({ body: '{"hello":"tampered"}', sig: good, keyId: secret, ts: now + 400 });
  } catch {
    // expected: signature_mismatch
  }
  // Mismatch diagnosis (hmac.failure.cause): a body cause, a secret-format cause and another key's ID.
  const diagnosed = instrumentVerifier(
    (req: { body: string; sig: string }) => {
      if (req.sig !== macOf(req.body)) throw new HmacAuthError('signature_mismatch', `expected ${macOf(req.body)} with key ${secret}`);
      return true;
    },
    {
      ...providers,
      scheme: 'custom-v2',
      recordErrorMessages,
      diagnose: {
        otherSecrets: [{ id: 'previous', secret: `${secret}-previous` }],
        subject: (req: { body: string; sig: string }) => ({
          body: req.body,
          secret: Buffer.from(`${secret}\n`),
          bodyMatches: (b: Uint8Array) => macOf(Buffer.from(b).toString()) === req.sig,
          secretMatches: (k: Uint8Array) => createHmac('sha256', k).update(req.body).digest('hex') === req.sig,
        }),
      },
    },
  );
  const bodySigned = macOf('{"diagnosed":"body"}');
  const otherSigned = createHmac('sha256', `${secret}-previous`).update('{"diagnosed":"key"}').digest('hex');
  signatures.push(bodySigned, otherSigned);
  for (const req of [
    { body: '{"diagnosed":"body"}\n', sig: bodySigned },
    { body: '{"diagnosed":"key"}', sig: otherSigned },
    { body: '{"diagnosed":"forged"}', sig: '0'.repeat(64) },
  ]) {
    try {
      diagnosed(req);
    } catch {
      // expected: signature_mismatch with a diagnosed cause
    }
  }
  const kms = instrumentKms(async (mode: string) => {
    if (mode === 'fail') throw Object.assign(new Error(`throttled while using ${secret}`), { name: 'ThrottlingException' });
    return Buffer.from(secret);
  }, { ...providers, provider: 'simulated-kms', operation: 'decrypt', recordErrorMessages });
  await kms('ok');
  await kms('fail').catch(() => undefined);
  const getKey = instrumentKeyStore((id: string) => (id === 'k1' ? secret : undefined), { ...providers, name: 'env', recordErrorMessages });
  getKey('k1');
  getKey(secret);
  const cache = instrumentReplayCache(new Set<string>(), { ...providers, scheme: 'custom-v1' });
  cache.has(good);
  cache.add(good);
  cache.has(good);
  const ring = observeKeyRing({ keys: () => [{ id: 'k1', status: 'active' as const, createdAt: Date.now() - 1000, owner: 'platform-team' }] }, providers);
  const requestParts = await exerciseReference(providers, secret);
  return { signatures, stop: () => ring.stop(), requestParts };
}

/**
 * The reference scheme with component digests, accepted and diagnosed (header_changed, a digest
 * mismatch): returns what must never leave — the body, its digest, signed header values, the
 * Authorization and component-digest headers, the path and query — each a distinctive string.
 */
async function exerciseReference(providers: { meterProvider?: MeterProvider; tracerProvider?: TracerProvider }, secret: string): Promise<string[]> {
  const keyRing = createKeyRing([{ id: 'rk', secret }]);
  const verify = instrumentVerifier(createHmacVerifier({ keyRing, nonceCache: createNonceCache({ ttlSeconds: 600 }) }), {
    ...providers, scheme: 'hmac-sha256', keyRing, keyId: claimedKeyId,
  });
  const request: HmacRequest = { method: 'POST', path: '/sweep-path-5c2a?q=sweep-query-77e0', headers: { 'x-sweep': 'sweep-header-value-19af' }, body: '{"m":"sweep-body-4b1e9d"}' };
  const headers = createHmacSigner({ keyId: 'rk', secret, headers: ['x-sweep'], componentDigests: true })(request);
  const signed = { ...request, headers: { ...(request.headers as Record<string, string>), ...headers } };
  await verify(signed);
  for (const tampered of [
    { ...signed, headers: { ...signed.headers, 'x-sweep': 'sweep-header-value-19af; changed' } },
    { ...signed, body: '{"m":"sweep-body-4b1e9d" }' },
  ]) {
    try {
      await verify(tampered);
    } catch {
      // expected: header_changed, digest_mismatch (body_whitespace)
    }
  }
  return [request.body as string, bodySha256Hex(request.body as string), 'sweep-header-value-19af', 'sweep-path-5c2a', 'sweep-query-77e0', ...Object.values(headers)];
}
