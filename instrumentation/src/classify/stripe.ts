/**
 * Stripe (`stripe.webhooks.constructEvent` / `constructEventAsync`).
 *
 * `StripeSignatureVerificationError` has `name === 'Error'`, so it is recognised by its `type`
 * property (set to the class name by `StripeError`) or its constructor name, then by message.
 * Stripe compares the signature before the timestamp, and only rejects timestamps that are too old.
 */
import type { FailureReason } from '../contract.js';
import { constructorNameOf, isObject, messageOf } from './shared.js';

const STRIPE_CLASS = 'StripeSignatureVerificationError';

/** Message prefix → reason, in the order Stripe checks. Exported for the docs' mapping table. */
export const STRIPE_MESSAGES: ReadonlyArray<readonly [prefix: string, reason: FailureReason]> = [
  // No body reached the verifier: nothing the signature could cover (a proxy or client dropped it).
  ['No webhook payload was provided', 'digest_mismatch'],
  ['No stripe-signature header value was provided', 'missing_signature'],
  ['Unable to extract timestamp and signatures from header', 'malformed_signature'],
  ['No signatures found with expected scheme', 'malformed_signature'],
  ['No signatures found matching the expected signature', 'signature_mismatch'],
  ['Timestamp outside the tolerance zone', 'timestamp_skew'],
  // The application's own mistakes: outcome `error`, they are not the client's fault.
  ['No webhook secret value was provided', 'internal_error'],
  ['Webhook payload must be provided as a string or a Buffer', 'internal_error'],
];

export function isStripeSignatureError(err: unknown): err is Record<string, unknown> {
  return isObject(err) && (err.type === STRIPE_CLASS || constructorNameOf(err) === STRIPE_CLASS);
}

export function classifyStripeError(err: unknown): FailureReason | undefined {
  if (!isStripeSignatureError(err)) return undefined;
  const message = messageOf(err);
  for (const [prefix, reason] of STRIPE_MESSAGES) if (message.startsWith(prefix)) return reason;
  return 'internal_error';
}
