/**
 * Unverified claims of a reference request, for `instrumentVerifier` options:
 *
 *   instrumentVerifier(verify, { scheme: 'hmac-sha256', keyRing, keyId: claimedKeyId, timestamp: claimedTimestamp })
 *
 * Both take the verifier's argument and never throw; the wrapper bounds key IDs to declared ones.
 * Read after the reference verifier ran, they reuse its parse of the header (see `claimsOf`).
 */
import { claimsOf } from './authorization.js';
import type { HmacRequest } from './signer.js';

export function claimedKeyId(request: HmacRequest): string | undefined {
  return claimsOf(request?.headers)?.keyId;
}

/** The claimed signing time in unix seconds. */
export function claimedTimestamp(request: HmacRequest): number | undefined {
  return claimsOf(request?.headers)?.timestamp;
}
