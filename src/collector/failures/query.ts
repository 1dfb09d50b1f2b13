/**
 * Validation of `GET /api/failures?job=&reason=&limit=&since=&until=`: a bad parameter is a `FailureQueryError`
 * naming the parameter, which the HTTP layer answers with 400 and the message.
 */
import { FAILURE_REASON_NAMES, isFailureReason } from '@hmac-slo/instrumentation/contract';
import { VALUE_OTHER } from '../closed-values.js';

export class FailureQueryError extends Error {
  constructor(
    /** The query parameter at fault: `job`, `reason`, `limit`, `since` or `until`. */
    readonly parameter: string,
    problem: string,
  ) {
    super(`${parameter}: ${problem}`);
    this.name = 'FailureQueryError';
  }
}

export interface FailuresQuery {
  /** Only failures (and top clients) of this job. */
  readonly job?: string;
  /** Only failures with this `error.type` (one of the contract's failure reasons, or `other`: one outside them). */
  readonly reason?: string;
  /** At most this many failures, newest first. */
  readonly limit?: number;
  /** Only failures at or after this time (ms since the epoch). */
  readonly since?: number;
  /** Only failures at or before this time (ms since the epoch). */
  readonly until?: number;
}

export const MAX_JOB_LENGTH = 512;

/** Parse raw query parameters (URLSearchParams or a plain object); empty values mean "not set". */
export function parseFailuresQuery(params: URLSearchParams | Readonly<Record<string, string | undefined>>): FailuresQuery {
  const get = (name: string): string | undefined => {
    // Twice is ambiguous (which time did the caller mean?): refused rather than read as the first.
    if (params instanceof URLSearchParams && params.getAll(name).length > 1) throw new FailureQueryError(name, 'given more than once');
    const v = params instanceof URLSearchParams ? params.get(name) : params[name];
    return v === null || v === undefined || v === '' ? undefined : v;
  };
  const limitText = get('limit');
  let limit: number | undefined;
  if (limitText !== undefined) {
    if (!/^\d{1,9}$/.test(limitText)) throw new FailureQueryError('limit', `expected a positive integer, got ${JSON.stringify(limitText.slice(0, 32))}`);
    limit = Number(limitText);
  }
  const time = (name: 'since' | 'until'): { since?: number } | { until?: number } => {
    const text = get(name);
    if (text === undefined) return {};
    if (!/^\d{1,15}$/.test(text)) throw new FailureQueryError(name, `expected a time in milliseconds since the epoch, got ${JSON.stringify(text.slice(0, 32))}`);
    return { [name]: Number(text) };
  };
  const query = { job: get('job'), reason: get('reason'), limit, ...time('since'), ...time('until') };
  validateFailuresQuery(query);
  return query;
}

/** Check an already-typed query (also used by FailureLog.query, so a caller cannot skip it). */
export function validateFailuresQuery(q: FailuresQuery): void {
  if (q.limit !== undefined && !(Number.isInteger(q.limit) && q.limit >= 1)) {
    throw new FailureQueryError('limit', `expected a positive integer, got ${String(q.limit)}`);
  }
  if (q.reason !== undefined && !isFailureReason(q.reason) && q.reason !== VALUE_OTHER) {
    throw new FailureQueryError('reason', `unknown failure reason ${JSON.stringify(q.reason.slice(0, 64))}; expected one of ${FAILURE_REASON_NAMES.join(', ')}, ${VALUE_OTHER}`);
  }
  for (const name of ['since', 'until'] as const) {
    const t = q[name];
    if (t !== undefined && !(typeof t === 'number' && Number.isFinite(t))) throw new FailureQueryError(name, `expected a time in milliseconds since the epoch, got ${String(t)}`);
  }
  if (q.since !== undefined && q.until !== undefined && q.since > q.until) {
    throw new FailureQueryError('until', `must not be before since (${q.since} > ${q.until})`);
  }
  if (q.job !== undefined && (typeof q.job !== 'string' || q.job.length > MAX_JOB_LENGTH)) {
    throw new FailureQueryError('job', `expected a job name of at most ${MAX_JOB_LENGTH} characters`);
  }
}
