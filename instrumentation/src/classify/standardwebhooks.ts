/**
 * Standard Webhooks (`standardwebhooks`) and Svix (`svix`): `new Webhook(secret).verify(payload, headers)`.
 *
 * Svix bundles its own copy of standardwebhooks, so `instanceof WebhookVerificationError` fails
 * across the two packages: the error is recognised by its `name` (set explicitly by the library)
 * or constructor name, then by message.
 */
import type { FailureReason } from '../contract.js';
import { constructorNameOf, isObject, messageOf } from './shared.js';

const CLASS = 'WebhookVerificationError';

/** Exact message → reason. Exported for the docs' mapping table. */
export const STANDARD_WEBHOOKS_MESSAGES: ReadonlyMap<string, FailureReason> = new Map([
  ['Missing required headers', 'missing_signature'],
  // The timestamp header is not a number.
  ['Invalid Signature Headers', 'malformed_signature'],
  ['Message timestamp too old', 'timestamp_skew'],
  ['Message timestamp too new', 'timestamp_skew'],
  // Wrong secret, altered body or id, or a signature header without any `v1,` entry: the library
  // does not tell these apart.
  ['No matching signature found', 'signature_mismatch'],
]);

export function isWebhookVerificationError(err: unknown): err is Record<string, unknown> {
  return isObject(err) && (err.name === CLASS || constructorNameOf(err) === CLASS);
}

export function classifyStandardWebhooksError(err: unknown): FailureReason | undefined {
  if (!isWebhookVerificationError(err)) return undefined;
  return STANDARD_WEBHOOKS_MESSAGES.get(messageOf(err)) ?? 'internal_error';
}
