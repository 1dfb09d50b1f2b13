/**
 * GitHub webhooks (`@octokit/webhooks-methods` `verify(secret, payload, signature)`).
 *
 * `verify` resolves `false` for a wrong or malformed signature — give the wrapper
 * `isAccepted: (ok) => ok === true` (or use `rejectUnlessTrue`) so that counts as
 * `signature_mismatch`. It rejects with a `TypeError` whose message starts with the package name
 * when an argument is empty: in practice the `x-hub-signature-256` header is missing (an empty secret
 * or payload gives the same message; check those at start-up).
 */
import type { FailureReason } from '../contract.js';
import { isObject, messageOf } from './shared.js';

const PREFIX = '[@octokit/webhooks-methods]';

/** Message (after the package prefix) → reason. Exported for the docs' mapping table. */
export const OCTOKIT_MESSAGES: ReadonlyArray<readonly [prefix: string, reason: FailureReason]> = [
  ['secret, eventPayload & signature required', 'missing_signature'],
  // The application passed a Buffer or an object instead of the raw body string.
  ['eventPayload must be a string', 'internal_error'],
];

export function classifyOctokitError(err: unknown): FailureReason | undefined {
  if (!(err instanceof TypeError) && !(isObject(err) && err.name === 'TypeError')) return undefined;
  const message = messageOf(err as unknown as Record<string, unknown>);
  if (!message.startsWith(PREFIX)) return undefined;
  const rest = message.slice(PREFIX.length).trim();
  for (const [prefix, reason] of OCTOKIT_MESSAGES) if (rest.startsWith(prefix)) return reason;
  return 'internal_error';
}
