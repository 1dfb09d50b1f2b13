/**
 * The metric contract's attributes whose values are a closed set (instrumentation/src/contract.ts):
 * anyone who can push may write any string there, and a value the collector kept as sent would be
 * a label value in /metrics, a dashboard legend, an alert description and a failure-log entry, and
 * a series of its job's budget. Anything outside the set is kept as `other` (never the value), which
 * none of the sets holds, so `other` always means "the collector replaced what was sent".
 */
import {
  ATTR,
  CLIENT_STATES,
  FAILURE_CAUSE_NAMES,
  FAILURE_REASON_NAMES,
  KEY_STATUSES,
  OUTCOMES,
  REPLAY_RESULTS,
  isFailureReason,
  outcomeOf,
} from '@hmac-slo/instrumentation/contract';

/** What a value outside its attribute's closed set is kept as. */
export const VALUE_OTHER = 'other';

/** Attribute key → its closed set of values (Sets: `__proto__` or `constructor` is just a string to them). */
export const CLOSED_VALUES: ReadonlyMap<string, ReadonlySet<string>> = new Map<string, ReadonlySet<string>>([
  [ATTR.outcome, new Set(OUTCOMES)],
  [ATTR.errorType, new Set(FAILURE_REASON_NAMES)],
  [ATTR.failureCause, new Set(FAILURE_CAUSE_NAMES)],
  [ATTR.replayResult, new Set(REPLAY_RESULTS)],
  [ATTR.keyStatus, new Set(KEY_STATUSES)],
  [ATTR.clientState, new Set(CLIENT_STATES)],
]);

/** The attributes with a closed set, in a fixed order (the self-metric's `attribute` label values). */
export const CLOSED_ATTRIBUTES: readonly string[] = [...CLOSED_VALUES.keys()];

/** `value` if it is in `attribute`'s closed set, else `other`. */
export function closedValue(attribute: string, value: string): string {
  return CLOSED_VALUES.get(attribute)?.has(value) ? value : VALUE_OTHER;
}

/**
 * Whether a failure reason fits the outcome it comes with: each reason has exactly one outcome
 * (FAILURE_REASONS), and an `accepted` call has no reason. An outcome that is not one of the
 * contract's (already `other`) says nothing, so any reason fits it.
 */
export function reasonFitsOutcome(reason: string, outcome: string | undefined): boolean {
  if (outcome === undefined || outcome === VALUE_OTHER) return true;
  return isFailureReason(reason) && outcomeOf(reason) === outcome;
}
