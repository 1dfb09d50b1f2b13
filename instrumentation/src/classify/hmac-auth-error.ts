/** The package's own `HmacAuthError`: it carries its reason, so nothing is inferred. */
import type { FailureReason } from '../contract.js';
import { isHmacAuthError } from '../errors.js';

export function classifyHmacAuthError(err: unknown): FailureReason | undefined {
  return isHmacAuthError(err) ? err.reason : undefined;
}
