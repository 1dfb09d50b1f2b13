/**
 * What diagnosis needs from one failed call: the body as the application handed it over and pure
 * checks that say whether a candidate body or secret yields the signature the request presents.
 * Built per scheme from the call's arguments (diagnose/schemes.ts), advertised by the reference
 * verifier, or supplied by a custom verifier through `diagnose.subject`. A check only computes a MAC
 * or a digest: it never records a nonce, touches a cache or calls back into the application.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FailureCause } from '../contract.js';

export interface DiagnosisSubject {
  /** The body exactly as handed to the verifier (a parsed object here means `body_not_raw`). */
  readonly body?: unknown;
  /** True when `body` (a candidate, as bytes) verifies with the configured secret. Enables the body causes. */
  bodyMatches?(body: Uint8Array): boolean;
  /** The configured secret, when known: `secret_format` tries its trimmed/unquoted/re-encoded forms. */
  readonly secret?: Uint8Array | undefined;
  /** True when `secret` verifies the body as received. Enables `secret_format` and `signed_with_other_key`. */
  secretMatches?(secret: Uint8Array): boolean;
  /** Other keys the application holds for this scheme (key-ring members besides the one tried). */
  readonly otherKeys?: Iterable<readonly [id: string, secret: Uint8Array]>;
  /** Scheme-specific last step (the reference scheme's component digests). */
  components?(): FailureCause | undefined;
}

/** The raw bytes of a body handed over as a string (UTF-8) or bytes; undefined for anything else. */
export function bodyBytes(body: unknown): Buffer | undefined {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return undefined;
}

/** A secret given as a string (UTF-8, as Stripe and octokit take it) or bytes. */
export function secretBytes(secret: unknown): Buffer | undefined {
  if (typeof secret === 'string' && secret !== '') return Buffer.from(secret, 'utf8');
  if (secret instanceof Uint8Array && secret.byteLength > 0) return Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength);
  return undefined;
}

/** Constant-time: does `computed` equal one of the presented signatures (same encoding)? */
export function oneOf(computed: string, presented: readonly string[]): boolean {
  const mine = Buffer.from(computed);
  let found = false;
  for (const p of presented) {
    const theirs = Buffer.from(p);
    if (theirs.length === mine.length && timingSafeEqual(theirs, mine)) found = true;
  }
  return found;
}

/**
 * The subject of a scheme whose arguments carry the body and the configured secret (Stripe, GitHub):
 * `matches(key, bytes)` compares one MAC; the secret's and the body's bytes are made on first use.
 */
export function macSubject(
  payload: unknown,
  rawSecret: unknown,
  matches: (key: Uint8Array | undefined, bytes: Uint8Array | undefined) => boolean,
): DiagnosisSubject {
  let body: Buffer | undefined;
  let secret: Buffer | undefined;
  const configured = () => (secret ??= secretBytes(rawSecret));
  return {
    body: payload,
    get secret() {
      return configured();
    },
    bodyMatches: (candidate) => matches(configured(), candidate),
    secretMatches: (key) => matches(key, (body ??= bodyBytes(payload))),
  };
}
