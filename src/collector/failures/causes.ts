/**
 * Failure causes in the failure log: `hmac.failure.cause` is pushed by anyone who can push spans, so
 * only the contract's closed set is kept as is; any other value becomes `other` (counted by the
 * collector), never stored or shown as sent. The per-job summary ("Why signatures fail") is counted
 * from the held failures, so it covers the log's window and needs no state of its own.
 */
import { ATTR } from '@hmac-slo/instrumentation/contract';
import { closedValue, VALUE_OTHER } from '../closed-values.js';
import type { FailedSpan, JobFailureCauses } from '../model.js';

/** The one cause that names a key (the key the signature does verify with). */
export const CAUSE_WITH_KEY_ID = 'signed_with_other_key';

/** The cause to keep: undefined when the span had none, `other` when it is not one of the contract's. */
export function cleanCause(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return typeof value === 'string' ? closedValue(ATTR.failureCause, value) : VALUE_OTHER;
}

/** Per job (sorted), the causes of the failures that carry one, most frequent first (ties by name). */
export function summarizeCauses(failures: Iterable<FailedSpan>): JobFailureCauses[] {
  const byJob = new Map<string, Map<string, number>>();
  for (const f of failures) {
    if (f.cause === undefined) continue;
    let counts = byJob.get(f.job);
    if (!counts) byJob.set(f.job, (counts = new Map()));
    counts.set(f.cause, (counts.get(f.cause) ?? 0) + 1);
  }
  return [...byJob.keys()].sort().map((job) => {
    const counts = byJob.get(job)!;
    let total = 0;
    for (const n of counts.values()) total += n;
    const causes = [...counts]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([cause, count]) => ({ cause, count, share: count / total }));
    return { job, total, causes };
  });
}
