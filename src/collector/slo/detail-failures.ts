/**
 * The failures behind an SLO's bad events within the detail view's range, from the failure log
 * (failed `hmac.*` spans with their times), so the view's "failures by reason and key ID" say what
 * happened in the selected range — the counters only hold totals since they started, not when.
 * A failed span is one of the SLO's bad events when it is a span of the SLI's instrument with one of
 * its bad outcomes (and reasons). A latency SLO's bad events are slow verifications, which are not
 * failures: it has no such tables. The range is the detail view's own (`from`, `to` of detail.ts).
 */
import { ATTR, SPANS } from '@hmac-slo/instrumentation/contract';
import type { SloConfig, SloScope } from '../../config/schema.js';
import { labelName } from '../aggregate/names.js';
import type { FailedSpan, SloDetailResponse } from '../model.js';
import type { FailureLog } from '../failures/index.js';
import { isBadEvent } from './sli.js';
import { compileScope } from './scope.js';

/** What the detail view reads from the failure log. */
export type FailureRangeSource = Pick<FailureLog, 'inRange'>;

const SPAN_OF_SOURCE: Record<Extract<SloConfig['sli'], { kind: 'ratio' }>['source'], (name: string) => boolean> = {
  verifications: (name) => name === SPANS.verify,
  signings: (name) => name === SPANS.sign,
  kmsOperations: (name) => name.startsWith(SPANS.kms('')),
};

/**
 * A scope's labels a failed span carries too (under their Prometheus names, as the scope names
 * them), and its value of each: the scheme and the key ID (a scope leaving out a load-test key);
 * outcome and reason too, though the config loader refuses them in a scope. `job` is the pair's own. Resource labels (environment, track...) are
 * not on a failed span: a scope on them cannot narrow the failures, and the view says so.
 */
const SPAN_LABELS: ReadonlyMap<string, (f: FailedSpan) => string> = new Map([
  [labelName(ATTR.scheme), (f: FailedSpan) => f.scheme ?? ''],
  [labelName(ATTR.keyId), (f: FailedSpan) => f.keyId],
  [labelName(ATTR.outcome), (f: FailedSpan) => f.outcome],
  [labelName(ATTR.errorType), (f: FailedSpan) => f.reason],
]);

/**
 * The scope as a test on failed spans (compileScope on the labels they carry) and the labels it
 * could not apply.
 */
function spanScope(scope: SloScope | undefined): { inScope: (f: FailedSpan) => boolean; notNarrowedBy: string[] } {
  const narrowing: SloScope = {};
  const notNarrowedBy: string[] = [];
  for (const [label, m] of Object.entries(scope ?? {})) {
    if (label === 'job') continue;
    if (SPAN_LABELS.has(label)) narrowing[label] = m;
    else notNarrowedBy.push(label);
  }
  const test = compileScope(narrowing);
  const labelsOf = (f: FailedSpan) => () => new Map([...SPAN_LABELS].map(([label, value]) => [label, value(f)]));
  return { inScope: test ? (f) => test(labelsOf(f)) : () => true, notNarrowedBy: notNarrowedBy.sort() };
}

/** Whether a failed span is one of the SLO's bad events; undefined for a latency SLI (no failed spans). */
export function badEventSpan(sli: SloConfig['sli']): ((f: FailedSpan) => boolean) | undefined {
  if (sli.kind !== 'ratio') return undefined;
  const isSpan = SPAN_OF_SOURCE[sli.source];
  const isBad = isBadEvent(sli);
  return (f) => isSpan(f.name) && isBad(f.outcome, f.reason);
}

/**
 * The SLO's failed spans of `job` within [from, to] and in its `scope` (as far as failed spans carry
 * its labels: `notNarrowedBy` names the others), counted by reason and by key ID (most first).
 */
export function detailFailures(sli: SloConfig['sli'], log: FailureRangeSource, job: string, from: number, to: number, scope?: SloScope): SloDetailResponse['failures'] {
  const isBad = badEventSpan(sli);
  if (isBad === undefined) return { counted: false, from, to, heldFrom: null, byReason: [], byKey: [] };
  const { inScope, notNarrowedBy } = spanScope(scope);
  const { failures, heldFrom } = log.inRange({ job, since: from, until: to });
  const byReason = new Map<string, number>();
  const byKey = new Map<string, number>();
  for (const f of failures) {
    if (!isBad(f) || !inScope(f)) continue;
    byReason.set(f.reason, (byReason.get(f.reason) ?? 0) + 1);
    byKey.set(f.keyId, (byKey.get(f.keyId) ?? 0) + 1);
  }
  const sorted = (m: Map<string, number>) => [...m].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1));
  return {
    counted: true,
    from,
    to,
    heldFrom,
    byReason: sorted(byReason).map(([reason, count]) => ({ reason, count })),
    byKey: sorted(byKey).map(([keyId, count]) => ({ keyId, count })),
    ...(notNarrowedBy.length > 0 ? { notNarrowedBy } : {}),
  };
}
