/**
 * Default error classifier: maps an error thrown by a verifier to a failure reason of the taxonomy.
 * Unrecognised errors are `internal_error` (outcome `error`), never a guess.
 *
 * One file per library; each returns `undefined` for errors it does not recognise. The package's
 * own `HmacAuthError` is checked first, so a reason thrown from inside a library callback (e.g. Hawk's
 * `credentialsFunc` throwing `revoked_key`) wins over the library's wrapping.
 */
import type { FailureReason } from '../contract.js';
import { classifyHmacAuthError } from './hmac-auth-error.js';
import { classifyStripeError } from './stripe.js';
import { classifyStandardWebhooksError } from './standardwebhooks.js';
import { classifyOctokitError } from './octokit.js';
import { classifyHawkError } from './hawk.js';
import type { LibraryClassifier } from './shared.js';
import { packageReporter } from '../telemetry/report.js';

export type { LibraryClassifier } from './shared.js';
export { classifyHmacAuthError } from './hmac-auth-error.js';
export { classifyStripeError, STRIPE_MESSAGES } from './stripe.js';
export { classifyStandardWebhooksError, STANDARD_WEBHOOKS_MESSAGES } from './standardwebhooks.js';
export { classifyOctokitError, OCTOKIT_MESSAGES } from './octokit.js';
export { classifyHawkError, HAWK_UNAUTHORIZED_MESSAGES, HAWK_BAD_REQUEST_PREFIXES } from './hawk.js';
export { rejectUnlessTrue } from './boolean.js';

/** The library classifiers the default classifier tries, in order. */
export const DEFAULT_CLASSIFIERS: readonly LibraryClassifier[] = Object.freeze([
  classifyHmacAuthError,
  classifyStripeError,
  classifyStandardWebhooksError,
  classifyOctokitError,
  classifyHawkError,
]);

export function classifyError(err: unknown): FailureReason {
  try {
    for (const classify of DEFAULT_CLASSIFIERS) {
      const reason = classify(err);
      if (reason !== undefined) return reason;
    }
  } catch (err) {
    // A hostile or broken error object (throwing getters, revoked proxies) must not break the
    // verifier's caller; it is simply not recognised.
    packageReporter.report('classifying an error (classifyError)', 'it counts as internal_error', err);
  }
  return 'internal_error';
}

/**
 * Builds a classifier that tries yours first and falls back to the default one, e.g. for an
 * in-house library: `classify: composeClassifiers((e) => e instanceof MyExpired ? 'timestamp_skew' : undefined)`.
 */
export function composeClassifiers(...classifiers: LibraryClassifier[]): (err: unknown) => FailureReason {
  return (err) => {
    for (const classify of classifiers) {
      try {
        const reason = classify(err);
        if (reason !== undefined) return reason;
      } catch (err) {
        // A throwing custom classifier falls through to the next one.
        packageReporter.report('a classifier given to composeClassifiers', 'the next classifier decides', err);
      }
    }
    return classifyError(err);
  };
}
