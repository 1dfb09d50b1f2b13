/**
 * The verifier wrapper's failure hook: for a `signature_mismatch`, a `digest_mismatch` or a body the
 * application handed over already parsed, works out the cause (diagnose/diagnose.ts) within the
 * budget and records it as `hmac.failure.cause` on the failed span and on `hmac.auth.failure.causes`.
 * Runs only on failed calls, after the call's own telemetry; it never changes the result or the
 * error the caller gets, and only the cause name and a declared key ID leave it.
 */
import type { Span } from '@opentelemetry/api';
import { ATTR, FAILURE_CAUSE_NAMES, type FailureCause, type FailureReason } from '../contract.js';
import { isBodyNotRawError } from '../classify/body-not-raw.js';
import type { KeyRingLike } from '../key-ring.js';
import { CounterCells } from '../telemetry/cells.js';
import type { Hub } from '../telemetry/hub.js';
import { ProblemReporter } from '../telemetry/report.js';
import { DEFAULT_DIAGNOSES_PER_SECOND, DEFAULT_DIAGNOSIS_BURST, DEFAULT_DIAGNOSIS_MAX_BODY_BYTES, diagnosisTokens, TokenBucket } from './budget.js';
import { diagnose, isNotRawBody, type Diagnosis } from './diagnose.js';
import { advertisedDiagnosisSubject, type DiagnosisSubjectReader } from './hook.js';
import { otherKeys, type OtherSecret } from './other-keys.js';
import { githubSubject } from './scheme-github.js';
import { standardWebhooksKey, standardWebhooksSubject } from './scheme-standardwebhooks.js';
import { stripeSubject } from './scheme-stripe.js';
import { bodySize, type DiagnosisSubject } from './subject.js';
import { checkToken, isToken } from '../wrap/options.js';

export interface DiagnoseOptions {
  /** Diagnoses per second per wrapped verifier (token bucket refill). Default 10. */
  ratePerSecond?: number;
  /** Diagnoses allowed at once after a quiet period (bucket size). Default 20. */
  burst?: number;
  /** Other secrets the application holds (another endpoint's, the CLI's, test vs live), by ID. */
  otherSecrets?: readonly OtherSecret[];
  /** Standard Webhooks / Svix: the `Webhook`'s secret, which a bound `wh.verify` hides. */
  secret?: string | Uint8Array;
  /** Bodies larger than this are not diagnosed (cause `skipped`). Default 256 KiB. */
  maxBodyBytes?: number;
  /** Custom verifiers: how to check a candidate body or secret for this call (see docs). */
  subject?: (...args: any[]) => DiagnosisSubject | undefined;
}

const DIAGNOSED: ReadonlySet<FailureReason> = new Set(['signature_mismatch', 'digest_mismatch', 'internal_error']);
const CAUSE_INDEX = new Map(FAILURE_CAUSE_NAMES.map((c, i) => [c, i]));
const CAUSE_VARIANTS = FAILURE_CAUSE_NAMES.map((c) => ({ [ATTR.failureCause]: c }));

function subjectReader(scheme: string, verify: (...args: unknown[]) => unknown, options: DiagnoseOptions): DiagnosisSubjectReader | undefined {
  const custom = options.subject;
  if (custom !== undefined) return (args) => custom(...args);
  const advertised = advertisedDiagnosisSubject(verify);
  if (advertised !== undefined) return advertised;
  switch (scheme) {
    case 'stripe':
      return stripeSubject;
    case 'github':
      return githubSubject;
    case 'standardwebhooks':
    case 'svix': {
      const key = standardWebhooksKey(options.secret);
      return (args) => standardWebhooksSubject(args, key, verify);
    }
    default:
      return undefined;
  }
}

export class FailureDiagnosis {
  private readonly bucket: TokenBucket;
  private readonly cells = new Map<string, CounterCells>();
  private readonly reporter = new ProblemReporter();
  private readonly readSubject: DiagnosisSubjectReader | undefined;
  private readonly maxBodyBytes: number;

  constructor(
    private readonly hub: Hub,
    private readonly scheme: string,
    verify: (...args: unknown[]) => unknown,
    private readonly options: DiagnoseOptions,
    private readonly keyRing: KeyRingLike | undefined,
  ) {
    this.bucket = new TokenBucket(options.ratePerSecond ?? DEFAULT_DIAGNOSES_PER_SECOND, options.burst ?? DEFAULT_DIAGNOSIS_BURST, performance.now());
    this.readSubject = subjectReader(scheme, verify, options);
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_DIAGNOSIS_MAX_BODY_BYTES;
    // The ID of a listed secret becomes a metric label when it verifies: a short token from code.
    for (const other of options.otherSecrets ?? []) checkToken(other?.id, 'diagnose.otherSecrets[].id');
  }

  /** Called by the call path for failed calls only; `label` is the call's `hmac.key_id`. */
  run(span: Span, recording: boolean, args: unknown[], reason: FailureReason, error: unknown, label: string, nowMs: number): void {
    if (!DIAGNOSED.has(reason)) return;
    let found: Diagnosis | undefined;
    try {
      found = this.find(args, reason, error, nowMs);
    } catch (err) {
      this.reporter.report('diagnosing a failed verification', 'its cause is recorded as undiagnosed', err);
      found = { cause: 'undiagnosed' };
    }
    if (found === undefined) return;
    // A custom subject's otherKeys IDs are not checked up front like otherSecrets: one that is not a
    // short token (it could come from the request) is left out rather than becoming a label.
    if (found.keyId !== undefined && !isToken(found.keyId)) found = { cause: found.cause };
    this.count(found.keyId ?? label, reason, found.cause);
    if (recording) {
      span.setAttribute(ATTR.failureCause, found.cause);
      if (found.keyId !== undefined) span.setAttribute(ATTR.failureCauseKeyId, found.keyId);
    }
  }

  private find(args: unknown[], reason: FailureReason, error: unknown, nowMs: number): Diagnosis | undefined {
    // Libraries refuse a parsed body with an error (internal_error); other internal errors are not mismatches.
    if (reason === 'internal_error') {
      if (isBodyNotRawError(error)) return { cause: 'body_not_raw' };
      return isNotRawBody(this.readSubject?.(args, reason)?.body) ? { cause: 'body_not_raw' } : undefined;
    }
    // Cheap: the scheme subjects parse nothing until a check runs. No subject: nobody told us how to check.
    const subject = this.readSubject?.(args, reason);
    if (subject === undefined) return undefined;
    if (isNotRawBody(subject.body)) return { cause: 'body_not_raw' };
    const size = bodySize(subject.body);
    if (size > this.maxBodyBytes) return { cause: 'skipped' };
    if (!this.bucket.take(nowMs, diagnosisTokens(size))) return { cause: 'skipped' };
    return diagnose(subject, otherKeys(subject.otherKeys, this.keyRing, this.options.otherSecrets ?? []), this.maxBodyBytes);
  }

  private count(keyId: string, reason: FailureReason, cause: FailureCause): void {
    const key = `${keyId}\u0000${reason}`;
    let cells = this.cells.get(key);
    if (cells === undefined) {
      const base = { [ATTR.scheme]: this.scheme, [ATTR.keyId]: keyId, [ATTR.errorType]: reason };
      const hubKey = `${this.scheme}\u0000${key}`;
      cells = this.hub.counter('failureCauses', hubKey, () => new CounterCells(base, CAUSE_VARIANTS));
      this.cells.set(key, cells);
    }
    cells.counts[CAUSE_INDEX.get(cause)!]! += 1;
  }
}
