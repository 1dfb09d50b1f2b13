/**
 * Fingerprints stand in for values that must never leave the process (secrets, key material, MACs):
 * the first 12 hex characters of SHA-256 identify a value for diagnosis without revealing it.
 */
import { createHash } from 'node:crypto';
import { FINGERPRINT_HEX_LENGTH } from '../contract.js';

export function fingerprint(value: string | Uint8Array): string {
  return createHash('sha256').update(value).digest('hex').slice(0, FINGERPRINT_HEX_LENGTH);
}
