/**
 * For verifiers that answer `false` instead of throwing (e.g. `@octokit/webhooks-methods` `verify`):
 * turns a `false` answer into an `HmacAuthError`, so code that expects a throwing verifier (the
 * Express middleware, `instrumentVerifier` without `isAccepted`) sees the failure and its reason.
 * Stays synchronous for synchronous verifiers.
 */
import type { FailureReason } from '../contract.js';
import { HmacAuthError } from '../errors.js';

export function rejectUnlessTrue<A extends unknown[], R extends boolean | Promise<boolean>>(
  verify: (...args: A) => R,
  reason: FailureReason = 'signature_mismatch',
): (...args: A) => R {
  const check = (ok: boolean): true => {
    if (ok !== true) throw new HmacAuthError(reason);
    return true;
  };
  return (...args: A): R => {
    const result = verify(...args);
    if (result instanceof Promise) return result.then(check) as R;
    return check(result as boolean) as R;
  };
}
