/**
 * The failure log behind `GET /api/failures`: a bounded ring of the most recent failed `hmac.*`
 * spans, shared fairly between jobs (fair-ring.ts: a job's flood evicts its own failures, not a
 * quiet job's), and, per job, a bounded top-k of the clients whose requests were rejected. Each span is
 * copied field by field into a `FailedSpan` and checked on the way in, so nothing but those fields
 * (and no raw client identifier) can end up stored or served.
 */
import { ATTR, FINGERPRINT_HEX_LENGTH } from '@hmac-slo/instrumentation/contract';
import { closedValue, reasonFitsOutcome, VALUE_OTHER } from '../closed-values.js';
import type { FailedSpan, FailuresApiResponse } from '../model.js';
import { SpaceSaving } from './space-saving.js';
import { FairRing } from './fair-ring.js';
import { validateFailuresQuery, type FailuresQuery } from './query.js';
import { parseFailureLogState, type FailureLogState } from './state.js';
import { clampSpanTime, type SpanTimeClamp } from './time.js';
import { CAUSE_WITH_KEY_ID, cleanCause, summarizeCauses } from './causes.js';
import { configSchema, type HmacSloConfig } from '../../config/schema.js';
import { durationSeconds } from '../../config/duration.js';

export interface FailureLogOptions {
  /** Recent failures kept, of all jobs together (config `collector.failures.ringSize`); see fair-ring.ts. */
  readonly ringSize?: number;
  /** Top rejected clients kept per job (config `collector.failures.topClients`). */
  readonly topClients?: number;
  /** Jobs with a top-k table (config `collector.failures.maxJobs`); failures of further jobs still enter the ring. */
  readonly maxJobs?: number;
  /** How far past its receive time a span's time is believed (config `collector.failures.maxSpanFuture`). */
  readonly maxSpanFutureMs?: number;
}

/** The failure log's options from config `collector.failures`. */
export function failureLogOptions(config: Pick<HmacSloConfig, 'collector'>): Required<FailureLogOptions> {
  const f = config.collector.failures;
  return { ringSize: f.ringSize, topClients: f.topClients, maxJobs: f.maxJobs, maxSpanFutureMs: durationSeconds(f.maxSpanFuture) * 1000 };
}

/** Options not given take the schema's defaults: the numbers live in one place (src/config/schema.ts). */
const DEFAULTS = failureLogOptions(configSchema.parse({}));
/** `limit` when the query has none. */
export const DEFAULT_QUERY_LIMIT = 100;

const MAX_TEXT = 256;
const FINGERPRINT_RE = new RegExp(`^[0-9a-f]{${FINGERPRINT_HEX_LENGTH}}$`);
const HEX_ID_RE = /^[0-9a-f]{1,64}$/;

function text(value: unknown, fallback: string): string {
  return typeof value === 'string' && value !== '' ? value.slice(0, MAX_TEXT) : fallback;
}

/**
 * A job as the log holds it (`text`: cut to MAX_TEXT), to match a query's job with: the aggregator
 * takes longer ones (up to `limits.maxLabelValueBytes`), and their pairs ask for their failures by
 * the full name. A restored snapshot's per-job entries are keyed by it too, like the spans they go with.
 */
function heldJob(job: unknown): string {
  return text(job, 'unknown_service');
}

function hexId(value: unknown): string {
  const v = typeof value === 'string' ? value.toLowerCase() : '';
  return HEX_ID_RE.test(v) ? v : '';
}

/**
 * A clean copy of a failed span: only the model's fields, strings bounded, IDs hex, and a client
 * fingerprint kept only if it looks like one (12 lower-case hex) — anything else might be a raw ID.
 * A cause, reason or outcome outside the contract's closed set becomes `other`, and so does a reason
 * whose outcome is not the span's (closed-values.ts); a cause key ID is kept only with the cause
 * that names a key.
 */
export function sanitizeFailedSpan(span: FailedSpan): FailedSpan {
  const fingerprint = typeof span.clientFingerprint === 'string' ? span.clientFingerprint.toLowerCase() : '';
  const time = Number(span.timeUnixMs);
  const outcome = closedValue(ATTR.outcome, text(span.outcome, 'error'));
  const reason = closedValue(ATTR.errorType, text(span.reason, 'internal_error'));
  return {
    timeUnixMs: Number.isFinite(time) ? time : 0,
    job: heldJob(span.job),
    name: text(span.name, 'hmac.verify'),
    ...(typeof span.scheme === 'string' && span.scheme !== '' ? { scheme: span.scheme.slice(0, MAX_TEXT) } : {}),
    keyId: text(span.keyId, 'unknown'),
    reason: reasonFitsOutcome(reason, outcome) ? reason : VALUE_OTHER,
    outcome,
    ...(FINGERPRINT_RE.test(fingerprint) ? { clientFingerprint: fingerprint } : {}),
    traceId: hexId(span.traceId),
    spanId: hexId(span.spanId),
    ...causeFields(span),
  };
}

function causeFields(span: FailedSpan): Pick<FailedSpan, 'cause' | 'causeKeyId'> {
  const cause = cleanCause(span.cause);
  if (cause === undefined) return {};
  const keyId = cause === CAUSE_WITH_KEY_ID ? text(span.causeKeyId, '') : '';
  return keyId ? { cause, causeKeyId: keyId } : { cause };
}

export class FailureLog {
  readonly ringSize: number;
  readonly topClients: number;
  private readonly maxJobs: number;
  private readonly maxSpanFutureMs: number;
  /** Held failures and, per job, the latest time of one it dropped: held failures after it are all there are. */
  private readonly ring: FairRing<FailedSpan>;
  private recorded = 0;
  private untrackedJobs = 0;
  private readonly clients = new Map<string, SpaceSaving<string>>();

  constructor(opts: FailureLogOptions = {}) {
    this.ringSize = positiveInt(opts.ringSize ?? DEFAULTS.ringSize, 'ringSize');
    this.topClients = positiveInt(opts.topClients ?? DEFAULTS.topClients, 'topClients');
    this.maxJobs = positiveInt(opts.maxJobs ?? DEFAULTS.maxJobs, 'maxJobs');
    this.maxSpanFutureMs = opts.maxSpanFutureMs ?? DEFAULTS.maxSpanFutureMs;
    this.ring = new FairRing<FailedSpan>(this.ringSize, (s) => s.timeUnixMs);
  }

  /**
   * Keep one failed span. Rejected ones with a client fingerprint also count towards that job's top
   * clients (errors are the verifier's fault, not the client's, so they do not). With `receivedMs`
   * (when the collector received it), a time that cannot be believed is replaced by it (see
   * time.ts); returns why, if it was.
   */
  record(span: FailedSpan, receivedMs?: number): SpanTimeClamp | undefined {
    let clean = sanitizeFailedSpan(span);
    let clamped: SpanTimeClamp | undefined;
    if (receivedMs !== undefined) ({ span: clean, clamped } = clampSpanTime(clean, receivedMs, this.maxSpanFutureMs));
    this.hold(clean);
    this.recorded++;
    if (clean.outcome !== 'rejected' || !clean.clientFingerprint) return clamped;
    let top = this.clients.get(clean.job);
    if (!top) {
      if (this.clients.size >= this.maxJobs) {
        this.untrackedJobs++;
        return;
      }
      this.clients.set(clean.job, (top = new SpaceSaving<string>(this.topClients)));
    }
    top.offer(clean.clientFingerprint);
    return clamped;
  }

  private hold(clean: FailedSpan, droppedUntil?: number): void {
    this.ring.push(clean.job, clean, droppedUntil);
  }

  /**
   * `GET /api/failures`: recent failures newest first, filtered by job, reason and time (`since`,
   * `until`), at most `limit`
   * (default 100, capped at the ring size); top clients of the job (all jobs when none is given) —
   * the reason filter does not apply to them; per job, the causes of every held failure the job and
   * reason filters select (not only the `limit` listed). Throws `FailureQueryError` for an invalid query.
   */
  query(q: FailuresQuery = {}): FailuresApiResponse {
    validateFailuresQuery(q);
    const limit = Math.min(q.limit ?? DEFAULT_QUERY_LIMIT, this.ringSize);
    const job = q.job === undefined ? undefined : heldJob(q.job);
    const held = this.ring.newestFirst(job);
    const failures: FailedSpan[] = [];
    for (const span of this.matching(q, held)) {
      if (failures.length >= limit) break;
      failures.push({ ...span });
    }
    const jobs = job !== undefined ? (this.clients.has(job) ? [job] : []) : [...this.clients.keys()].sort();
    return {
      failures,
      causes: summarizeCauses(this.matching(q, held)),
      topClients: jobs.map((job) => ({
        job,
        clients: this.clients.get(job)!.top().map((c) => ({ clientFingerprint: c.item, count: c.count, error: c.error })),
      })),
    };
  }

  /** Of `held` (the query job's held failures, newest first), those of the query's reason and time range. */
  private *matching(q: FailuresQuery, held: readonly FailedSpan[]): Iterable<FailedSpan> {
    for (const span of held) {
      if (q.reason !== undefined && span.reason !== q.reason) continue;
      if ((q.since !== undefined && span.timeUnixMs < q.since) || (q.until !== undefined && span.timeUnixMs > q.until)) continue;
      yield span;
    }
  }

  /**
   * Held failures (copies) of the query's job and time range, newest first, with where the log's
   * memory of that job starts: `heldFrom`, once the ring has dropped failures of the job, the time
   * from which it holds every failure of the job it received — its oldest held failure dated after
   * every dropped one of it, so a late or back-dated span still held does not stretch it back —,
   * or null while it holds every failure of the job it recorded (another job's flood does not
   * change that: fair-ring.ts). Without a job, of all jobs: from when every job's are complete.
   * For counting a range (the SLO detail view), not for listing.
   */
  inRange(q: Pick<FailuresQuery, 'job' | 'since' | 'until'>): { failures: FailedSpan[]; heldFrom: number | null } {
    // The job is a pair's (its full name, which may be longer than the API takes), matched as held.
    const job = q.job === undefined ? undefined : heldJob(q.job);
    validateFailuresQuery({ ...q, job });
    const held = this.ring.newestFirst(job);
    const failures = [...this.matching(q, held)].map((s) => ({ ...s }));
    const droppedUntil = this.ring.droppedUntil(job);
    if (droppedUntil === Number.NEGATIVE_INFINITY) return { failures, heldFrom: null };
    let heldFrom = Number.POSITIVE_INFINITY;
    for (const span of held) if (span.timeUnixMs > droppedUntil) heldFrom = Math.min(heldFrom, span.timeUnixMs);
    return { failures, heldFrom: Number.isFinite(heldFrom) ? heldFrom : droppedUntil + 1 };
  }

  /**
   * Per job, its top rejected clients (fingerprint, count, error), highest first — the gauge
   * `hmac_slo_collector_top_rejected_clients` on /metrics. At most `topClients` per job.
   */
  topClientTables(): { job: string; clients: { clientFingerprint: string; count: number; error: number }[] }[] {
    return [...this.clients.keys()].sort().map((job) => ({
      job,
      clients: this.clients.get(job)!.top().map((c) => ({ clientFingerprint: c.item, count: c.count, error: c.error })),
    }));
  }

  /**
   * Plain JSON for the collector's snapshot: held failures oldest first, where each job's are
   * complete from (`droppedUntilByJob`; `droppedUntil`: of the jobs not listed there and not held)
   * and the top tables.
   */
  toJSON(): FailureLogState {
    const dropped = this.ring.droppedState();
    return {
      version: 1,
      recent: this.ring.newestFirst().reverse(),
      recorded: this.recorded,
      ...(Number.isFinite(dropped.forgottenUntil) ? { droppedUntil: dropped.forgottenUntil } : {}),
      droppedUntilByJob: dropped.byJob,
      untrackedJobs: this.untrackedJobs,
      topClients: [...this.clients].map(([job, top]) => ({
        job,
        offered: top.offered,
        clients: top.top().map((c) => [c.item, c.count, c.error] as [string, number, number]),
      })),
    };
  }

  /**
   * Rebuild a log from `toJSON()` output under the configured bounds (which may have shrunk since
   * it was saved): the saved failures replayed oldest first into the ring, so a smaller one keeps
   * each job's fair share (fair-ring.ts), the `topClients` highest counters per job, at
   * most `maxJobs` jobs. Every span is sanitised again and a fingerprint that does not look like one
   * is dropped, so a tampered file cannot make the collector serve anything else. Throws
   * `FailureStateError` when the JSON is not failure log state. With `savedAtMs` (when the snapshot
   * was written), a span time that cannot be believed (one saved by an older version) becomes it.
   */
  static fromJSON(opts: FailureLogOptions, json: unknown, savedAtMs?: number): FailureLog {
    const state = parseFailureLogState(json);
    const log = new FailureLog(opts);
    // A tampered time is believed no further than a span time would be (time.ts), so it stays a date.
    const believed = (t: number) => Math.min(t, (savedAtMs ?? Date.now()) + log.maxSpanFutureMs);
    const spans = state.recent.map((span) => {
      const clean = sanitizeFailedSpan(span);
      return savedAtMs === undefined ? clean : clampSpanTime(clean, savedAtMs, log.maxSpanFutureMs).span;
    });
    let fallback = state.droppedUntil === undefined ? Number.NEGATIVE_INFINITY : believed(state.droppedUntil);
    // Snapshots before droppedUntil: heldFrom is then the oldest held failure, as it was.
    if (state.droppedUntil === undefined && state.droppedUntilByJob === undefined && state.recorded > spans.length && spans.length > 0) {
      fallback = spans.reduce((t, s) => Math.min(t, s.timeUnixMs), Number.POSITIVE_INFINITY) - 1;
    }
    // Snapshots of one shared ring have one droppedUntil: every job takes it (it may have lost any
    // job's failures until then). Later ones list each job's; a held job not listed lost none.
    const byJob = state.droppedUntilByJob && new Map(state.droppedUntilByJob.map(([job, t]) => [heldJob(job), believed(t)]));
    const droppedUntilOf = (job: string) => (byJob ? (byJob.get(job) ?? Number.NEGATIVE_INFINITY) : fallback);
    // Spans the ring no longer has room for are dropped like any other (the ring notes their times).
    for (const span of spans) log.hold(span, droppedUntilOf(span.job));
    log.ring.raiseForgottenUntil(fallback);
    log.recorded = Math.max(state.recorded, log.ring.held);
    log.untrackedJobs = state.untrackedJobs;
    for (const t of state.topClients) {
      if (log.clients.size >= log.maxJobs) {
        log.untrackedJobs++;
        continue;
      }
      const job = heldJob(t.job);
      if (log.clients.has(job)) continue;
      const clients = t.clients
        .filter(([fp]) => FINGERPRINT_RE.test(fp))
        .map(([item, count, error]) => ({ item, count, error }));
      if (clients.length === 0) continue;
      log.clients.set(job, SpaceSaving.restore(log.topClients, clients, t.offered));
    }
    return log;
  }

  /** Figures for the collector's own health metrics. */
  stats(): { recorded: number; held: number; jobsWithTopClients: number; untrackedJobs: number } {
    return { recorded: this.recorded, held: this.ring.held, jobsWithTopClients: this.clients.size, untrackedJobs: this.untrackedJobs };
  }
}

function positiveInt(n: number, name: string): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`FailureLog: ${name} must be a positive integer, got ${n}`);
  return n;
}
