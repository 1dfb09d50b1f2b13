/**
 * Ingestion credentials (`collector.auth`): bearer tokens read from environment variables, and
 * HMAC-signed pushes checked with the project's own reference verifier (the collector eats its own
 * dog food). With neither configured, ingestion is open (the default listen address is loopback).
 *
 * Credentials are checked from the headers before the body is read: a bearer token completely; an
 * HMAC signature as far as the headers allow (well-formed, known key, signature over the signed
 * headers and the claimed body digest, timestamp fresh, nonce unused); once the body is read, the
 * reference verifier checks the whole request and the nonce is remembered. Used nonces are kept in
 * the state directory (nonce-store.ts), so a captured push replayed after a restart is still a
 * replay; each key has its own bound (`maxNoncesPerKey`), and a key whose bound is full of live
 * nonces is refused (429) rather than a live nonce forgotten. A nonce that cannot be written
 * (disk full) makes the push a 503 (`StorageError`), not an authentication failure.
 * Each credential may be bound to the jobs it may write (`jobs`).
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  canonicalString,
  computeSignature,
  CONTENT_DIGEST_HEADER,
  createHmacVerifier,
  createKeyRing,
  getHeader,
  HmacAuthError,
  parseAuthorizationStrict,
  type HmacVerifier,
  type KeyRing,
} from '@hmac-slo/instrumentation';
import type { HmacSloConfig } from '../config/schema.js';
import { sha256 } from './web-config.js';
import { NonceStore } from './nonce-store.js';

export class AuthConfigError extends Error {}

/** The reference verifier's default timestamp window, in seconds. */
const TIMESTAMP_WINDOW_SECONDS = 300;
const HEX64 = /^[0-9a-f]{64}$/;

/** Who pushed: for the job check and the logs (never the secret). */
export interface PushIdentity {
  /** `bearer token from PUSH_TOKEN`, `HMAC key push-key`. */
  readonly name: string;
  /** Jobs this credential may write; undefined = any. */
  readonly jobs?: ReadonlySet<string>;
}

/** Why a push is refused: HTTP status, the counted reason, and a message (never the credential). */
export interface PushRefusal {
  /** 401: credentials not accepted; 429: the key's nonce bound is full of live nonces (retry later). */
  readonly status: 401 | 429;
  /** `unauthorized` or `nonce_cache_full` (hmac_slo_collector_rejected_pushes_total{reason}). */
  readonly code: 'unauthorized' | 'nonce_cache_full';
  readonly reason: string;
}

export type HeaderDecision =
  | ({ readonly ok: false } & PushRefusal)
  | {
      readonly ok: true;
      readonly identity?: PushIdentity;
      /**
       * For HMAC pushes: the whole-request check once the body is read, which then remembers the
       * nonce (undefined = accepted). Throws `StorageError` when the nonce cannot be written.
       */
      readonly verifyBody?: (body: Buffer) => PushRefusal | undefined;
    };

export interface PushAuth {
  readonly required: boolean;
  /** Unreadable lines skipped in the nonce file at start (logged by the caller). */
  readonly skippedNonceLines: number;
  /** From the headers alone, before any of the body is read. */
  checkHeaders(req: IncomingMessage): HeaderDecision;
  close(): void;
}

type AuthConfig = HmacSloConfig['collector']['auth'];

const unauthorized = (reason: string): PushRefusal => ({ status: 401, code: 'unauthorized', reason });
const nonceCacheFull = (keyId: string): PushRefusal => ({
  status: 429,
  code: 'nonce_cache_full',
  reason: `HMAC key ${keyId} has collector.auth.maxNoncesPerKey signed pushes within the replay window: retry later`,
});

const jobSet = (jobs: readonly string[] | undefined) => (jobs && jobs.length > 0 ? new Set(jobs) : undefined);

export function createPushAuth(
  config: AuthConfig,
  env: NodeJS.ProcessEnv = process.env,
  /** Where used nonces of signed pushes are kept (STATE_DIR/push-nonces.log). */
  nonceFile: string,
  clock: () => number = Date.now,
): PushAuth {
  const tokens = config.bearerTokenEnv.map((entry) => {
    const name = typeof entry === 'string' ? entry : entry.env;
    const v = env[name];
    if (!v) throw new AuthConfigError(`collector.auth.bearerTokenEnv: environment variable ${name} is not set`);
    const identity: PushIdentity = { name: `bearer token from ${name}`, ...(typeof entry === 'string' ? {} : { jobs: jobSet(entry.jobs) }) };
    return { digest: sha256(v), identity };
  });
  let hmac: { verifier: HmacVerifier; keyRing: KeyRing; nonces: NonceStore; identities: Map<string, PushIdentity> } | undefined;
  if (config.hmacKeys.length > 0) {
    const keys = config.hmacKeys.map((k) => {
      const secret = env[k.secretEnv];
      if (!secret) throw new AuthConfigError(`collector.auth.hmacKeys: environment variable ${k.secretEnv} (key ${k.id}) is not set`);
      return { id: k.id, secret };
    });
    const keyRing = createKeyRing(keys);
    const nonces = new NonceStore(nonceFile, 2 * TIMESTAMP_WINDOW_SECONDS * 1000, clock, config.maxNoncesPerKey);
    const identities = new Map(config.hmacKeys.map((k) => [k.id, { name: `HMAC key ${k.id}`, jobs: jobSet(k.jobs) } as PushIdentity]));
    // The verifier checks all but the nonce: the nonce store is asked here, so that its refusals
    // (key full) and write failures (disk full) are not taken for a bad signature.
    hmac = { keyRing, nonces, identities, verifier: createHmacVerifier({ keyRing, nonceCache: false, timestampWindowSeconds: TIMESTAMP_WINDOW_SECONDS, clock }) };
  }
  const required = tokens.length > 0 || hmac !== undefined;

  function hmacHeaders(req: IncomingMessage, h: NonNullable<typeof hmac>): HeaderDecision {
    const refuse = (reason: string) => ({ ok: false, ...unauthorized(`HMAC signature not accepted (${reason})`) }) as const;
    let auth;
    try {
      auth = parseAuthorizationStrict(req.headers);
    } catch (err) {
      return refuse(err instanceof HmacAuthError ? err.reason : 'malformed_signature');
    }
    const digest = getHeader(req.headers, CONTENT_DIGEST_HEADER)?.trim().toLowerCase();
    if (digest === undefined || !HEX64.test(digest)) return refuse('malformed_signature');
    const key = h.keyRing.lookup(auth.keyId);
    if (!key) return refuse('unknown_key');
    if (key.status === 'revoked' || !key.secret) return refuse('revoked_key');
    // The signature covers the method, path, signed headers, timestamp, nonce and the claimed body
    // digest: all in the headers, so a forged signature is refused before the body is read.
    const canonical = canonicalString({
      method: req.method ?? 'POST',
      path: req.url ?? '/',
      signedHeaders: auth.headers.map((n) => [n, getHeader(req.headers, n) ?? ''] as const),
      timestamp: auth.timestamp,
      nonce: auth.nonce,
      bodySha256: digest,
    });
    const expected = Buffer.from(computeSignature(key.secret, canonical), 'base64url');
    const presented = Buffer.from(auth.signature, 'base64url');
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return refuse('signature_mismatch');
    if (Math.abs(clock() / 1000 - auth.timestamp) > TIMESTAMP_WINDOW_SECONDS) return refuse('timestamp_skew');
    if (h.nonces.has(auth.keyId, auth.nonce)) return refuse('replay');
    if (h.nonces.full(auth.keyId)) return { ok: false, ...nonceCacheFull(auth.keyId) };
    const { keyId, nonce } = auth;
    return {
      ok: true,
      identity: h.identities.get(keyId),
      verifyBody(body) {
        try {
          h.verifier({ method: req.method ?? 'POST', path: req.url ?? '/', headers: req.headers as Record<string, string>, body });
        } catch (err) {
          const reason = (err as { reason?: string }).reason;
          return unauthorized(`HMAC signature not accepted${reason ? ` (${reason})` : ''}`);
        }
        // Another request with the same nonce may have been accepted while this body was read.
        if (h.nonces.has(keyId, nonce)) return unauthorized('HMAC signature not accepted (replay)');
        return h.nonces.add(keyId, nonce) ? undefined : nonceCacheFull(keyId);
      },
    };
  }

  return {
    required,
    checkHeaders(req) {
      if (!required) return { ok: true };
      const header = req.headers.authorization ?? '';
      if (tokens.length > 0 && /^bearer /i.test(header)) {
        const got = sha256(header.slice(7).trim());
        const match = tokens.find((t) => timingSafeEqual(t.digest, got));
        return match ? { ok: true, identity: match.identity } : { ok: false, ...unauthorized('bearer token not accepted') };
      }
      if (hmac) return hmacHeaders(req, hmac);
      return { ok: false, ...unauthorized(header === '' ? 'credentials required' : 'credentials not accepted') };
    },
    close: () => hmac?.nonces.close(),
    skippedNonceLines: hmac?.nonces.skippedLines ?? 0,
  };
}

/** The first job in `jobs` the identity may not write, or undefined when all are allowed. */
export function forbiddenJob(identity: PushIdentity | undefined, jobs: Iterable<string>): string | undefined {
  if (!identity?.jobs) return undefined;
  for (const job of jobs) if (!identity.jobs.has(job)) return job;
  return undefined;
}
