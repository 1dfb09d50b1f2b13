/**
 * The reference scheme's canonical string (docs/test-vectors.md describes it byte by byte).
 *
 *   HMAC-SHA256 \n METHOD \n path \n canonical-query \n signed-header-names \n
 *   name:value \n (one line per signed header) ts \n nonce \n body-sha256-hex
 *
 * Both sides compute it from the request as sent, so nothing here guesses what a proxy might
 * rewrite; the query is re-encoded so that equivalent percent-encodings sign the same.
 */
import { createHash, createHmac } from 'node:crypto';
import { HmacAuthError } from '../errors.js';

export const SCHEME = 'HMAC-SHA256';
/** Header carrying the hex SHA-256 of the body, so an altered body is told apart from a bad signature. */
export const CONTENT_DIGEST_HEADER = 'x-hmac-content-sha256';

export interface CanonicalInput {
  method: string;
  /** Path with optional query, exactly as on the request line (`/a/b?x=1`). */
  path: string;
  /** Signed headers: lower-case name → value. */
  signedHeaders: ReadonlyArray<readonly [name: string, value: string]>;
  timestamp: number;
  nonce: string;
  /** Lower-case hex SHA-256 of the body. */
  bodySha256: string;
}

/** RFC 3986 unreserved characters stay; everything else is %XX with upper-case hex (UTF-8 bytes). */
export function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function decodeComponent(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new HmacAuthError('malformed_signature', 'query string has invalid percent-encoding');
  }
}

/** Splits a request target into path and raw query (without `?`). An empty path is `/`. */
export function splitTarget(target: string): { path: string; query: string } {
  const hash = target.indexOf('#');
  const noFragment = hash === -1 ? target : target.slice(0, hash);
  const q = noFragment.indexOf('?');
  const path = q === -1 ? noFragment : noFragment.slice(0, q);
  return { path: path === '' ? '/' : path, query: q === -1 ? '' : noFragment.slice(q + 1) };
}

/**
 * Canonical query: split on `&`, drop empty parts, split each on the first `=` (no `=` → empty
 * value), percent-decode name and value (`+` is a literal plus), re-encode per RFC 3986, sort by
 * name then value (plain code-unit order of the encoded ASCII strings), join as `name=value` with `&`.
 */
export function canonicalQuery(rawQuery: string): string {
  const pairs: Array<[string, string]> = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq === -1 ? part : part.slice(0, eq);
    const value = eq === -1 ? '' : part.slice(eq + 1);
    pairs.push([encodeRfc3986(decodeComponent(name)), encodeRfc3986(decodeComponent(value))]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([n, v]) => `${n}=${v}`).join('&');
}

/** Header value as signed: surrounding spaces and tabs removed, nothing else changed. */
export function canonicalHeaderValue(value: string): string {
  return value.replace(/^[ \t]+|[ \t]+$/g, '');
}

export function canonicalString(input: CanonicalInput): string {
  const { path, query } = splitTarget(input.path);
  const headers = [...input.signedHeaders]
    .map(([n, v]) => [n.toLowerCase(), canonicalHeaderValue(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const lines = [
    SCHEME,
    input.method.toUpperCase(),
    path,
    canonicalQuery(query),
    headers.map(([n]) => n).join(';'),
    ...headers.map(([n, v]) => `${n}:${v}`),
    String(input.timestamp),
    input.nonce,
    input.bodySha256,
  ];
  return lines.join('\n');
}

export function bodySha256Hex(body: string | Uint8Array | undefined): string {
  return createHash('sha256').update(body ?? '').digest('hex');
}

/** HMAC-SHA256 of the canonical string's UTF-8 bytes, base64url without padding. */
export function computeSignature(secret: Uint8Array, canonical: string): string {
  return createHmac('sha256', secret).update(canonical, 'utf8').digest('base64url');
}
