/** The error custom verifiers throw so the classifier knows the failure reason without guessing. */
import { type FailureReason, isFailureReason, outcomeOf } from './contract.js';

export class HmacAuthError extends Error {
  override readonly name = 'HmacAuthError';
  readonly reason: FailureReason;

  /** `message` must not contain secret material: it may be recorded when recordErrorMessages is on. */
  constructor(reason: FailureReason, message: string = reason, options?: { cause?: unknown }) {
    if (!isFailureReason(reason)) throw new TypeError(`unknown HMAC failure reason: ${String(reason)}`);
    super(message, options);
    this.reason = reason;
  }

  get outcome() {
    return outcomeOf(this.reason);
  }
}

/** Structural check, so two copies of this package (bundled twice) still recognise each other. */
export function isHmacAuthError(err: unknown): err is HmacAuthError {
  return (
    typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'HmacAuthError' &&
    isFailureReason((err as { reason?: unknown }).reason)
  );
}
