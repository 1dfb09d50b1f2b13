/**
 * A verifier can advertise how to read the key ID its successful result was verified with, by
 * carrying a function under this symbol. `instrumentVerifier` then uses it when the caller gave no
 * `verifiedKeyId` option, so wrapping such a verifier as is (the reference verifier does this) skips
 * parsing the request header on the success path. A key ID read from a verified result was checked
 * against the verifier's key ring, so an attacker cannot choose it.
 *
 * `Symbol.for`, so that two copies of this package in one application still understand each other.
 */
export const VERIFIED_KEY_ID: unique symbol = Symbol.for('@hmac-slo/instrumentation.verifiedKeyId') as never;

export type VerifiedKeyIdReader = (result: any) => string | undefined | null;

/** Marks `verify` (in place) as able to report its verified key ID; returns it. */
export function advertiseVerifiedKeyId<F extends (...args: any[]) => any>(verify: F, read: (result: Awaited<ReturnType<F>>) => string | undefined | null): F {
  Object.defineProperty(verify, VERIFIED_KEY_ID, { value: read, enumerable: false });
  return verify;
}

/** The reader `verify` advertises, if any. */
export function advertisedVerifiedKeyId(verify: unknown): VerifiedKeyIdReader | undefined {
  if (typeof verify !== 'function') return undefined;
  const read = (verify as unknown as Record<symbol, unknown>)[VERIFIED_KEY_ID];
  return typeof read === 'function' ? (read as VerifiedKeyIdReader) : undefined;
}
