/** The reference HMAC scheme: signer, verifier, key ring, nonce cache, header helpers. */
export { SCHEME, CONTENT_DIGEST_HEADER, canonicalString, canonicalQuery, bodySha256Hex, computeSignature, encodeRfc3986 } from './canonical.js';
export type { CanonicalInput } from './canonical.js';
export { parseAuthorization, parseAuthorizationStrict, formatAuthorization } from './authorization.js';
export type { ParsedAuthorization } from './authorization.js';
export { getHeader } from './headers.js';
export type { HeaderBag } from './headers.js';
export { createKeyRing } from './key-ring.js';
export type { KeyRing, KeyDefinition, KeyLookup, KeySource } from './key-ring.js';
export { createNonceCache } from './nonce-cache.js';
export type { NonceCache, NonceCacheOptions } from './nonce-cache.js';
export { createHmacSigner } from './signer.js';
export type { HmacRequest, HmacSigner, HmacSignerOptions, SignatureHeaders } from './signer.js';
export { createHmacVerifier } from './verifier.js';
export type { HmacVerifier, HmacVerifierOptions, VerifiedRequest, ReplayCacheLike } from './verifier.js';
export { claimedKeyId, claimedTimestamp } from './claims.js';
export { COMPONENTS_HEADER, componentDigests } from './components.js';
