/**
 * Reference verifier. Order of checks (each failure throws `HmacAuthError` with its reason):
 *   1. header present (missing_signature) and well-formed, required headers signed, body digest
 *      header present (malformed_signature);
 *   2. key known (unknown_key) and not revoked (revoked_key);
 *   3. signature over the canonical string, constant-time (signature_mismatch);
 *   4. the body matches the signed digest (digest_mismatch: the signature is genuine, the body
 *      was altered in transit);
 *   5. timestamp within the window (timestamp_skew) — after the signature, so only authentic
 *      requests count as clock skew and forged ones cannot pollute that signal;
 *   6. nonce not seen before (replay) — last, so rejected requests do not use up nonces.
 */
import { advertiseVerifiedKeyId } from '../verified-key-id.js';
import { advertiseDiagnosisSubject } from '../diagnose/hook.js';
import { referenceSubject } from './diagnosis.js';
import { timingSafeEqual } from 'node:crypto';
import { HmacAuthError } from '../errors.js';
import type { KeyStatus } from '../contract.js';
import { bodySha256Hex, canonicalString, computeSignature, CONTENT_DIGEST_HEADER } from './canonical.js';
import { parseAuthorizationStrict } from './authorization.js';
import { getHeader } from './headers.js';
import { createNonceCache } from './nonce-cache.js';
import type { KeySource } from './key-ring.js';
import type { HmacRequest } from './signer.js';

/** A synchronous replay cache in either shape (`check`, or `has` + `add`). */
export type ReplayCacheLike = { check(nonce: string): boolean } | { has(nonce: string): boolean; add(nonce: string): unknown };

export interface HmacVerifierOptions {
  /** Where keys come from: a `createKeyRing(...)` or any `{ lookup(id) }`. */
  keyRing: KeySource;
  /** Accepted |now − ts|, in seconds, inclusive. Default 300. */
  timestampWindowSeconds?: number;
  /** Default: an in-memory cache with a TTL of twice the window; `false` turns replay checks off. */
  nonceCache?: ReplayCacheLike | false;
  /** Header names every request must have signed (e.g. `['host', 'content-type']`). Default none. */
  headers?: readonly string[];
  /** Milliseconds since the epoch; default `Date.now`. */
  clock?: () => number;
}

export interface VerifiedRequest {
  keyId: string;
  keyStatus: KeyStatus;
  /** The signer's timestamp, unix seconds. */
  timestamp: number;
  nonce: string;
  signedHeaders: string[];
}

export type HmacVerifier = (request: HmacRequest) => VerifiedRequest;

const HEX64 = /^[0-9a-f]{64}$/;

function isFresh(cache: ReplayCacheLike, key: string): boolean {
  let result: unknown;
  if ('check' in cache && typeof cache.check === 'function') {
    result = cache.check(key);
  } else {
    const c = cache as { has(n: string): boolean; add(n: string): unknown };
    result = !c.has(key);
    if (result === true) c.add(key);
  }
  if (typeof result !== 'boolean') throw new TypeError('the reference verifier needs a synchronous nonce cache');
  return result;
}

export function createHmacVerifier(options: HmacVerifierOptions): HmacVerifier {
  const window = options.timestampWindowSeconds ?? 300;
  if (!(window >= 0)) throw new TypeError('timestampWindowSeconds must be >= 0');
  const clock = options.clock ?? Date.now;
  const nonceCache =
    options.nonceCache === false ? undefined : (options.nonceCache ?? createNonceCache({ ttlSeconds: 2 * window || 1, clock }));
  const required = (options.headers ?? []).map((h) => h.toLowerCase());
  const keys = options.keyRing;

  // Tells instrumentVerifier where the verified key ID is, so a drop-in wrap needs no `verifiedKeyId`,
  // and how to diagnose a mismatch (diagnosis.ts), so it needs no `diagnose.subject` either.
  const verifier = advertiseVerifiedKeyId(function verify(request: HmacRequest): VerifiedRequest {
    const body = request.body;
    if (body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array)) {
      // A body parser already turned the body into an object: the application's mistake.
      throw new TypeError('the reference verifier needs the raw body (string or bytes)');
    }
    const auth = parseAuthorizationStrict(request.headers);
    for (const name of required) {
      if (!auth.headers.includes(name)) throw new HmacAuthError('malformed_signature', `header ${name} must be signed`);
    }
    const claimedDigest = getHeader(request.headers, CONTENT_DIGEST_HEADER)?.trim().toLowerCase();
    if (claimedDigest === undefined || !HEX64.test(claimedDigest)) {
      throw new HmacAuthError('malformed_signature', `missing or invalid ${CONTENT_DIGEST_HEADER} header`);
    }

    const key = keys.lookup(auth.keyId);
    if (!key) throw new HmacAuthError('unknown_key');
    if (key.status === 'revoked') throw new HmacAuthError('revoked_key');
    if (!key.secret) throw new HmacAuthError('internal_error', 'key has no secret');

    const signedHeaders = auth.headers.map((name) => [name, getHeader(request.headers, name) ?? ''] as const);
    const canonical = canonicalString({
      method: request.method,
      path: request.path,
      signedHeaders,
      timestamp: auth.timestamp,
      nonce: auth.nonce,
      bodySha256: claimedDigest,
    });
    const expected = Buffer.from(computeSignature(key.secret, canonical), 'base64url');
    const presented = Buffer.from(auth.signature, 'base64url');
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
      throw new HmacAuthError('signature_mismatch');
    }

    if (bodySha256Hex(body) !== claimedDigest) throw new HmacAuthError('digest_mismatch');

    const nowSeconds = clock() / 1000;
    if (Math.abs(nowSeconds - auth.timestamp) > window) throw new HmacAuthError('timestamp_skew');

    if (nonceCache && !isFresh(nonceCache, `${auth.keyId}:${auth.nonce}`)) throw new HmacAuthError('replay');

    return { keyId: auth.keyId, keyStatus: key.status, timestamp: auth.timestamp, nonce: auth.nonce, signedHeaders: auth.headers };
  }, (result) => result.keyId);
  return advertiseDiagnosisSubject(verifier, (args, reason) => referenceSubject(keys, args, reason));
}
