/**
 * Default error classifier: maps an error thrown by a verifier to a failure reason of the taxonomy.
 * Unrecognised errors are `internal_error` (outcome `error`), never a guess.
 * (Skeleton: per-library classifiers are added beside this file.)
 */
import type { FailureReason } from '../contract.js';
import { isHmacAuthError } from '../errors.js';

export function classifyError(err: unknown): FailureReason {
  if (isHmacAuthError(err)) return err.reason;
  return 'internal_error';
}
