/**
 * The reference `Authorization` header:
 *
 *   Authorization: HMAC-SHA256 keyId=<id>,ts=<unix seconds>,nonce=<nonce>,headers=<h1;h2>,sig=<base64url>
 *
 * Parameters may come in any order, each exactly once, optionally with spaces after the commas.
 */
import { HmacAuthError } from '../errors.js';
import { SCHEME } from './canonical.js';
import { getHeader, type HeaderBag } from './headers.js';

export interface ParsedAuthorization {
  keyId: string;
  /** Unix seconds claimed by the signer. */
  timestamp: number;
  nonce: string;
  /** Lower-case names of the signed headers, as listed. */
  headers: string[];
  /** base64url HMAC (secret material: never log it). */
  signature: string;
}

const PATTERNS = {
  keyId: /^[A-Za-z0-9._~-]{1,128}$/,
  ts: /^[0-9]{1,12}$/,
  nonce: /^[A-Za-z0-9._~-]{8,128}$/,
  headers: /^(?:[a-z0-9!#$%&'*+.^_`|~-]+(?:;[a-z0-9!#$%&'*+.^_`|~-]+)*)?$/,
  // 32 bytes in base64url without padding.
  sig: /^[A-Za-z0-9_-]{43}$/,
} as const;
type Param = keyof typeof PATTERNS;
const MAX_HEADER_LENGTH = 4096;

export function formatAuthorization(p: ParsedAuthorization): string {
  return `${SCHEME} keyId=${p.keyId},ts=${p.timestamp},nonce=${p.nonce},headers=${p.headers.join(';')},sig=${p.signature}`;
}

/**
 * Parses and validates the header; throws `HmacAuthError` with `missing_signature` (no header, or
 * another scheme) or `malformed_signature`. Never verifies anything.
 */
export function parseAuthorizationStrict(headers: HeaderBag | undefined): ParsedAuthorization {
  return parseRaw(getHeader(headers, 'authorization'));
}

/**
 * The claims of the header parsed last. An instrumented verifier's `keyId`/`timestamp` options are
 * read after the verifier ran (wrap/engine.ts), and the reference verifier has just parsed that very
 * header: `claimedKeyId` and `claimedTimestamp` then cost a string comparison instead of a second
 * parse. Keyed by the header's text, not by a request object, so a changed header is parsed anew; it
 * holds one header (public: it travels in clear) and two primitives, nothing derived from a secret.
 */
const lastParsed = { raw: undefined as string | undefined, keyId: '', timestamp: 0 };

/** The claimed key ID and timestamp of `headers` without verifying anything, or undefined when malformed. */
export function claimsOf(headers: HeaderBag | undefined): { readonly keyId: string; readonly timestamp: number } | undefined {
  const raw = getHeader(headers, 'authorization');
  if (raw !== undefined && raw === lastParsed.raw) return lastParsed;
  try {
    return parseRaw(raw);
  } catch {
    return undefined; // malformed or missing: no claim (the verifier reports the reason itself)
  }
}

function parseRaw(raw: string | undefined): ParsedAuthorization {
  if (raw === undefined || raw.trim() === '') throw new HmacAuthError('missing_signature');
  const value = raw.trim();
  const space = value.indexOf(' ');
  const scheme = space === -1 ? value : value.slice(0, space);
  if (scheme.toUpperCase() !== SCHEME) throw new HmacAuthError('missing_signature', 'no HMAC-SHA256 authorization');
  if (value.length > MAX_HEADER_LENGTH) throw new HmacAuthError('malformed_signature', 'authorization header too long');
  const params = new Map<Param, string>();
  for (const piece of value.slice(space + 1).split(',')) {
    const part = piece.trim();
    const eq = part.indexOf('=');
    const name = (eq === -1 ? part : part.slice(0, eq)) as Param;
    if (eq === -1 || !Object.prototype.hasOwnProperty.call(PATTERNS, name) || params.has(name)) {
      throw new HmacAuthError('malformed_signature', 'unknown, duplicate or empty authorization parameter');
    }
    const v = part.slice(eq + 1);
    if (!PATTERNS[name].test(v)) throw new HmacAuthError('malformed_signature', `invalid ${name} parameter`);
    params.set(name, v);
  }
  for (const name of Object.keys(PATTERNS) as Param[]) {
    if (!params.has(name)) throw new HmacAuthError('malformed_signature', `missing ${name} parameter`);
  }
  const headerList = params.get('headers')!;
  const names = headerList === '' ? [] : headerList.split(';');
  if (new Set(names).size !== names.length || names.includes('authorization')) {
    throw new HmacAuthError('malformed_signature', 'signed header list repeats a name or lists authorization');
  }
  const parsed: ParsedAuthorization = {
    keyId: params.get('keyId')!,
    timestamp: Number(params.get('ts')),
    nonce: params.get('nonce')!,
    headers: names,
    signature: params.get('sig')!,
  };
  lastParsed.raw = raw;
  lastParsed.keyId = parsed.keyId;
  lastParsed.timestamp = parsed.timestamp;
  return parsed;
}

/**
 * The claimed key ID, timestamp and nonce WITHOUT verifying anything, or `undefined` when the
 * header is missing or malformed. For `instrumentVerifier` options (`keyId`, `timestamp`): the
 * wrapper maps unknown key IDs to `unknown`, so a forged ID cannot grow the metric cardinality.
 */
export function parseAuthorization(headers: HeaderBag | undefined): ParsedAuthorization | undefined {
  try {
    return parseAuthorizationStrict(headers);
  } catch {
    return undefined;
  }
}
