/**
 * Hawk (`hawk` `server.authenticate(req, credentialsFunc, options)`): failures are Boom errors
 * (`isBoom === true`, `output.statusCode`). A request without a Hawk `Authorization` header gets a
 * bare 401 whose `isMissing` is true. An error thrown by `credentialsFunc` is boomified in place, so
 * an `HmacAuthError` thrown there (e.g. `revoked_key`) keeps its reason (it is checked first).
 */
import type { FailureReason } from '../contract.js';
import { isObject, messageOf } from './shared.js';

/** 401 messages → reason. Exported for the docs' mapping table. */
export const HAWK_UNAUTHORIZED_MESSAGES: ReadonlyMap<string, FailureReason> = new Map([
  ['Unknown credentials', 'unknown_key'],
  ['Bad mac', 'signature_mismatch'],
  ['Bad payload hash', 'digest_mismatch'],
  // The server asked for payload validation but the client sent no `hash` attribute.
  ['Missing required payload hash', 'malformed_signature'],
  ['Invalid nonce', 'replay'],
  ['Stale timestamp', 'timestamp_skew'],
]);

/** 400 messages (header parsing) → reason. Some end with the attribute name, hence prefixes. */
export const HAWK_BAD_REQUEST_PREFIXES: ReadonlyArray<readonly [prefix: string, reason: FailureReason]> = [
  ['Missing attributes', 'malformed_signature'],
  ['Header length too long', 'malformed_signature'],
  ['Invalid header syntax', 'malformed_signature'],
  ['Unknown attribute', 'malformed_signature'],
  ['Bad attribute value', 'malformed_signature'],
  ['Duplicate attribute', 'malformed_signature'],
  ['Bad header format', 'malformed_signature'],
  ['Invalid Host header', 'malformed_signature'],
];

export function isBoomError(err: unknown): err is Record<string, unknown> & { output: { statusCode: number } } {
  return (
    isObject(err) && err.isBoom === true && isObject(err.output) && typeof err.output.statusCode === 'number'
  );
}

export function classifyHawkError(err: unknown): FailureReason | undefined {
  if (!isBoomError(err)) return undefined;
  const status = err.output.statusCode;
  const message = messageOf(err);
  if (status === 401) {
    // No Authorization header, or another scheme than Hawk: Boom marks the challenge as "missing".
    if (err.isMissing === true) return 'missing_signature';
    return HAWK_UNAUTHORIZED_MESSAGES.get(message) ?? 'internal_error';
  }
  if (status === 400) {
    for (const [prefix, reason] of HAWK_BAD_REQUEST_PREFIXES) if (message.startsWith(prefix)) return reason;
  }
  // 500s: "Invalid credentials"/"Unknown algorithm" (credentialsFunc returned a bad object) or an
  // error thrown by credentialsFunc/nonceFunc's caller — the server's fault, not the client's.
  return 'internal_error';
}
