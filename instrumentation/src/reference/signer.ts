/** Reference signer: adds `Authorization` and `x-hmac-content-sha256` to an outgoing request. */
import { randomBytes } from 'node:crypto';
import { bodySha256Hex, canonicalString, computeSignature, CONTENT_DIGEST_HEADER } from './canonical.js';
import { formatAuthorization } from './authorization.js';
import { getHeader, type HeaderBag } from './headers.js';
import { componentDigests, COMPONENTS_HEADER } from './components.js';

export interface HmacRequest {
  method: string;
  /** Path with optional query, as it will appear on the request line. */
  path: string;
  headers?: HeaderBag;
  /** Raw body bytes (a string is taken as UTF-8). */
  body?: string | Uint8Array;
}

export interface HmacSignerOptions {
  keyId: string;
  /** Raw key bytes, or a string taken as its UTF-8 bytes. */
  secret: string | Uint8Array;
  /** Header names to sign (case-insensitive); each must be present on the request. Default none. */
  headers?: readonly string[];
  /** Milliseconds since the epoch; default `Date.now`. */
  clock?: () => number;
  /** Nonce generator; default 16 random bytes in base64url. */
  nonce?: () => string;
  /**
   * Also send `x-hmac-components` (short digests of method, path, query, each signed header and the
   * timestamp) so a verifier's mismatch diagnosis can name what changed in transit. Default false.
   */
  componentDigests?: boolean;
}

/** Headers to add to the request. */
// A type alias (not an interface) so it is assignable to Record<string, string> header maps.
export type SignatureHeaders = {
  authorization: string;
  [CONTENT_DIGEST_HEADER]: string;
  /** Only with `componentDigests: true`. */
  [COMPONENTS_HEADER]?: string;
};

export type HmacSigner = (request: HmacRequest) => SignatureHeaders;

export function createHmacSigner(options: HmacSignerOptions): HmacSigner {
  const secret = typeof options.secret === 'string' ? Buffer.from(options.secret, 'utf8') : Buffer.from(options.secret);
  if (secret.length < 16) throw new TypeError('secret shorter than 16 bytes');
  const names = (options.headers ?? []).map((h) => h.toLowerCase());
  if (names.includes('authorization')) throw new TypeError('the authorization header cannot be signed');
  const clock = options.clock ?? Date.now;
  const makeNonce = options.nonce ?? (() => randomBytes(16).toString('base64url'));
  const keyId = options.keyId;
  const withComponents = options.componentDigests === true;

  return function sign(request: HmacRequest): SignatureHeaders {
    const signedHeaders = names.map((name) => {
      const value = getHeader(request.headers, name);
      if (value === undefined) throw new TypeError(`header ${name} is to be signed but the request has none`);
      return [name, value] as const;
    });
    const timestamp = Math.floor(clock() / 1000);
    const nonce = makeNonce();
    const bodySha256 = bodySha256Hex(request.body);
    const canonical = canonicalString({ method: request.method, path: request.path, signedHeaders, timestamp, nonce, bodySha256 });
    const signature = computeSignature(secret, canonical);
    const headers: SignatureHeaders = {
      authorization: formatAuthorization({ keyId, timestamp, nonce, headers: names, signature }),
      [CONTENT_DIGEST_HEADER]: bodySha256,
    };
    if (withComponents) headers[COMPONENTS_HEADER] = componentDigests({ method: request.method, path: request.path, signedHeaders, timestamp });
    return headers;
  };
}
