/**
 * What the reference verifier advertises to `instrumentVerifier` for mismatch diagnosis
 * (diagnose/hook.ts). A `digest_mismatch` means the signature is genuine and the body changed: body
 * candidates are checked against the signed body digest. A `signature_mismatch` is checked against
 * the canonical string: other key-ring members, the key's secret in other formats, then the
 * component digests when the signer sent them. Pure: no nonce is recorded, nothing is cached.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FailureReason } from '../contract.js';
import type { DiagnosisSubject } from '../diagnose/subject.js';
import { keyRingSecrets, type KeyRingLike } from '../key-ring.js';
import { parseAuthorization } from './authorization.js';
import { bodySha256Hex, canonicalString, CONTENT_DIGEST_HEADER } from './canonical.js';
import { COMPONENTS_HEADER, compareComponents } from './components.js';
import { getHeader } from './headers.js';
import type { KeySource } from './key-ring.js';
import type { HmacRequest } from './signer.js';

export function referenceSubject(keys: KeySource, args: readonly unknown[], reason: FailureReason): DiagnosisSubject | undefined {
  const request = args[0] as HmacRequest | undefined;
  if (request === null || typeof request !== 'object') return undefined;
  const body = request.body;
  const auth = parseAuthorization(request.headers);
  const claimedDigest = getHeader(request.headers, CONTENT_DIGEST_HEADER)?.trim().toLowerCase();
  if (auth === undefined || claimedDigest === undefined) return { body };
  if (reason === 'digest_mismatch') return { body, bodyMatches: (candidate) => bodySha256Hex(candidate) === claimedDigest };

  const signedHeaders = auth.headers.map((name) => [name, getHeader(request.headers, name) ?? ''] as const);
  const canonical = canonicalString({ method: request.method, path: request.path, signedHeaders, timestamp: auth.timestamp, nonce: auth.nonce, bodySha256: claimedDigest });
  const presented = Buffer.from(auth.signature, 'base64url');
  const others = typeof (keys as Partial<KeyRingLike>).keys === 'function'
    ? [...keyRingSecrets(keys as unknown as KeyRingLike)].filter(([id]) => id !== auth.keyId)
    : [];
  const components = getHeader(request.headers, COMPONENTS_HEADER);
  return {
    // The body is not part of a signature_mismatch (the digest header is): only body_not_raw applies.
    body: typeof body === 'object' && !(body instanceof Uint8Array) ? body : undefined,
    secret: keys.lookup(auth.keyId)?.secret,
    secretMatches: (secret) => {
      const mac = createHmac('sha256', secret).update(canonical, 'utf8').digest();
      return mac.length === presented.length && timingSafeEqual(mac, presented);
    },
    otherKeys: others,
    components: components === undefined
      ? undefined
      : () => compareComponents(components, { method: request.method, path: request.path, signedHeaders, timestamp: auth.timestamp }),
  };
}
