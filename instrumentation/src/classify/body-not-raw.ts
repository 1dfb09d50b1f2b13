/**
 * Errors with which a library says it was handed a parsed object instead of the raw body. They keep
 * `error.type` `internal_error` (outcome `error`: the application's mistake, not the client's); the
 * verifier wrapper's diagnosis adds `hmac.failure.cause` `body_not_raw`. Exported for the docs' table.
 */
import { isObject, messageOf } from './shared.js';

export const BODY_NOT_RAW_MESSAGES: readonly string[] = [
  // stripe: "... Payload was provided as a parsed JavaScript object instead."
  'Webhook payload must be provided as a string or a Buffer',
  // @octokit/webhooks-methods (after its "[@octokit/webhooks-methods] " prefix)
  'eventPayload must be a string',
  // standardwebhooks / svix (a plain Error from Webhook.sign)
  'Expected payload to be of type string or Buffer',
  // this package's reference verifier
  'the reference verifier needs the raw body',
];

export function isBodyNotRawError(err: unknown): boolean {
  if (!isObject(err)) return false;
  const message = messageOf(err);
  return BODY_NOT_RAW_MESSAGES.some((m) => message.includes(m));
}
