/**
 * The one call path every wrapper (verifier, signer, KMS, key store, replay cache) runs through; the
 * operation's series are owned by `OperationSeries` (wrap/series.ts).
 *
 * Contract with the caller: the wrapped function's return value comes back untouched (for a promise, a
 * promise of the same kind settling with the same value or the same error object), a thrown error is
 * rethrown as the same object, a synchronous function stays synchronous. Telemetry failures are
 * swallowed, because instrumentation must never change what authentication decides, and reported once
 * per wrapper and kind through OpenTelemetry's `diag` (telemetry/report.ts).
 *
 * Cost on the hot path (see docs/metrics.md "Performance"): one performance.now() pair, two Map
 * lookups (key-ID label, then its cell), `counts[i]++` in a preallocated table, one histogram record with a cached
 * frozen attribute object (or a bucket-table increment when the metric producer is installed), and
 * a span start that the sampler usually turns into a no-op. Span attributes are built only when the
 * span is recording.
 */
import {
  context,
  trace,
  isSpanContextValid,
  INVALID_SPAN_CONTEXT,
  SpanStatusCode,
  TraceFlags,
  type Attributes,
  type Context,
  type Span,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api';
import { ATTR, isFailureReason, outcomeOf, type FailureReason } from '../contract.js';
import type { KeyIdLimiter } from '../telemetry/key-id-limiter.js';
import { errorClassName, ProblemReporter } from '../telemetry/report.js';
import type { OperationSeries } from './series.js';

export interface OperationConfig {
  readonly tracer: Tracer;
  readonly spanName: string;
  /** Span attributes known up front (scheme, KMS provider...). */
  readonly spanAttributes: Attributes;
  /** Owns the operation's counts and histogram cells (wrap/series.ts). */
  readonly series: OperationSeries;
  readonly limiter?: KeyIdLimiter | undefined;
  /**
   * Claimed key ID from the arguments. Read after the call: a verifier that parsed the same header
   * has left its reading behind (the reference verifier does, see reference/authorization.ts), so
   * `claimedKeyId` then costs a lookup instead of a second parse.
   */
  readonly keyId?: ((...args: any[]) => unknown) | undefined;
  /**
   * Key ID read from a successful call's result. When set, `keyId` runs only for failed calls: the
   * common, successful path skips header parsing altogether.
   */
  readonly verifiedKeyId?: ((result: any) => unknown) | undefined;
  readonly clientId?: ((...args: any[]) => unknown) | undefined;
  /**
   * Called after the decision with the arguments, the reason, the key-ID label and the client ID when
   * `clientId` is set (clock skew, client window). Errors are reported, then ignored.
   */
  readonly afterCall?: ((args: unknown[], reason: FailureReason | undefined, nowMs: number, keyLabel: string, client: string | undefined) => void) | undefined;
  /** Reason for a returned (not thrown) result, or undefined when the result means success. */
  readonly judgeResult?: ((result: unknown, args: unknown[]) => FailureReason | undefined) | undefined;
  readonly classify: (error: unknown) => FailureReason;
  readonly recordErrorMessages?: boolean;
  /** Failed calls only, after their telemetry (the verifier's mismatch diagnosis); `label` is the key-ID label. */
  readonly onFailure?: ((span: Span, recording: boolean, args: unknown[], reason: FailureReason, error: unknown, label: string, nowMs: number) => void) | undefined;
  /** Span attributes and status of a recorded span; default: outcome, key ID, error.type (authentication operations). */
  readonly annotate?: (span: Span, reason: FailureReason | undefined, failed: boolean, error: unknown) => void;
}

type Fn = (...args: unknown[]) => unknown;

/**
 * What one instrumented function shares between its calls. A class with every field always set, so
 * that all operations have one shape and the shared call path stays monomorphic.
 */
class Operation {
  readonly tracer: Tracer;
  readonly spanName: string;
  readonly spanAttributes: Attributes;
  readonly series: OperationSeries;
  readonly limiter: KeyIdLimiter | undefined;
  readonly keyId: ((...args: any[]) => unknown) | undefined;
  readonly verifiedKeyId: ((result: any) => unknown) | undefined;
  readonly clientId: ((...args: any[]) => unknown) | undefined;
  readonly afterCall: OperationConfig['afterCall'];
  readonly judgeResult: OperationConfig['judgeResult'];
  readonly classify: (error: unknown) => FailureReason;
  readonly recordErrorMessages: boolean;
  readonly annotate: OperationConfig['annotate'];
  readonly onFailure: OperationConfig['onFailure'];
  readonly reporter = new ProblemReporter();

  constructor(config: OperationConfig) {
    this.tracer = config.tracer;
    this.spanName = config.spanName;
    this.spanAttributes = config.spanAttributes;
    this.series = config.series;
    this.limiter = config.limiter;
    this.keyId = config.keyId;
    this.verifiedKeyId = config.verifiedKeyId;
    this.clientId = config.clientId;
    this.afterCall = config.afterCall;
    this.judgeResult = config.judgeResult;
    this.classify = config.classify;
    this.recordErrorMessages = config.recordErrorMessages ?? false;
    this.annotate = config.annotate;
    this.onFailure = config.onFailure;
  }
}

export function instrumentCall<F extends (...args: any[]) => any>(fn: F, config: OperationConfig): F {
  if (typeof fn !== 'function') throw new TypeError('expected a function to instrument');
  const op = new Operation(config);
  const { tracer, spanName } = op;

  const wrapped = function (this: unknown, ...args: unknown[]): unknown {
    const active = context.active();
    const span = startSpan(tracer, spanName, active);
    const recording = span !== SKIPPED_SPAN && span.isRecording();
    const start = performance.now();
    let result: unknown;
    try {
      result = recording ? context.with(trace.setSpan(active, span), fn as Fn, this, ...args) : fn.apply(this, args);
    } catch (err) {
      finish(op, span, recording, start, args, undefined, err, true);
      throw err;
    }
    if (isThenable(result)) {
      // Chain (not a side branch): the caller's promise settles with the very same value or error
      // object, after the metrics are recorded. A side branch would keep the original promise object but
      // mark its rejection as handled, so a caller that forgot to handle it would no longer see the
      // unhandled rejection the bare verifier produces.
      return result.then(
        (value) => {
          finish(op, span, recording, start, args, value, undefined, false);
          return value;
        },
        (err) => {
          finish(op, span, recording, start, args, undefined, err, true);
          throw err;
        },
      );
    }
    finish(op, span, recording, start, args, result, undefined, false);
    return result;
  };
  Object.defineProperty(wrapped, 'name', { value: fn.name, configurable: true });
  Object.defineProperty(wrapped, 'length', { value: fn.length, configurable: true });
  return wrapped as F;
}

/** A non-empty string from an extractor, or undefined; a throwing extractor is reported once. */
function extract(op: Operation, what: string, read: (...args: any[]) => unknown, args: unknown[]): string | undefined {
  try {
    const id = read(...args);
    return typeof id === 'string' && id !== '' ? id : undefined;
  } catch (err) {
    op.reporter.report(what, 'the value counts as absent', err);
    return undefined;
  }
}

function verifiedKeyIdOf(op: Operation, read: (result: any) => unknown, result: unknown): string | undefined {
  try {
    const id = read(result);
    return typeof id === 'string' && id !== '' ? id : undefined;
  } catch (err) {
    op.reporter.report('the verifiedKeyId option', 'the key ID counts as absent', err);
    return undefined;
  }
}

/** Shared stand-in when no span is started (it records nothing; ending it does nothing). */
const SKIPPED_SPAN: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * The unsampled parent validated last: every call of one request (and often of a whole batch of
 * work) sees the same span context object, and validating it costs two regular expressions.
 */
let lastUnsampledParent: SpanContext | undefined;

/**
 * Starts the call's span, unless the active parent span is explicitly not sampled: with the usual
 * ParentBased sampler (the SDK default) the child would not be sampled either, and skipping saves the
 * SDK's ID generation and sampler call on the 99 % of requests a 1 % sampling leaves untraced.
 */
function startSpan(tracer: Tracer, name: string, active: Context): Span {
  const parent = trace.getSpanContext(active);
  if (parent !== undefined && (parent.traceFlags & TraceFlags.SAMPLED) === 0) {
    if (parent === lastUnsampledParent) return SKIPPED_SPAN;
    if (isSpanContextValid(parent)) {
      lastUnsampledParent = parent;
      return SKIPPED_SPAN;
    }
  }
  return tracer.startSpan(name, undefined, active);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function finish(
  op: Operation,
  span: Span,
  recording: boolean,
  start: number,
  args: unknown[],
  result: unknown,
  error: unknown,
  failed: boolean,
): void {
  try {
    const now = performance.now();
    let reason: FailureReason | undefined;
    if (failed) reason = safeClassify(op, error);
    else if (op.judgeResult !== undefined) reason = safeJudge(op, result, args);
    let label = '';
    if (op.limiter !== undefined) {
      let claimed: string | undefined;
      if (reason === undefined && op.verifiedKeyId !== undefined) claimed = verifiedKeyIdOf(op, op.verifiedKeyId, result);
      else if (op.keyId !== undefined) claimed = extract(op, 'the keyId option', op.keyId, args);
      label = op.limiter.label(claimed, reason === undefined, now);
    }
    const series = op.series;
    series.record(series.cell(label), reason, failed, (now - start) / 1000, now);
    // Read once, only for wrappers given a clientId: for the client window and the span.
    const client = op.clientId === undefined ? undefined : extract(op, 'the clientId option', op.clientId, args);
    if (op.afterCall !== undefined) {
      try {
        op.afterCall(args, reason, now, label, client);
      } catch (err) {
        op.reporter.report('the timestamp option', 'no clock skew is recorded for such calls', err);
      }
    }
    if (recording) {
      span.setAttributes(op.spanAttributes);
      if (op.annotate !== undefined) op.annotate(span, reason, failed, error);
      else annotate(op, span, label, reason, client, error, failed);
    }
    if (reason !== undefined && op.onFailure !== undefined) op.onFailure(span, recording, args, reason, error, label, now);
  } catch (err) {
    // Never let telemetry change the authentication result.
    op.reporter.report(`recording a ${op.spanName} call (meter, tracer or hook)`, "the call's result is unchanged, its telemetry may be incomplete", err);
  }
  if (span === SKIPPED_SPAN) return;
  try {
    span.end();
  } catch (err) {
    op.reporter.report(`ending a ${op.spanName} span`, "the call's result is unchanged", err);
  }
}

function safeJudge(op: Operation, result: unknown, args: unknown[]): FailureReason | undefined {
  try {
    const reason = op.judgeResult!(result, args);
    return reason === undefined || isFailureReason(reason) ? reason : 'internal_error';
  } catch (err) {
    op.reporter.report('the isAccepted or rejectedReason option', 'the call counts as internal_error', err);
    return 'internal_error';
  }
}

function safeClassify(op: Operation, error: unknown): FailureReason {
  try {
    const reason = op.classify(error);
    return isFailureReason(reason) ? reason : 'internal_error';
  } catch (err) {
    op.reporter.report('the classify option', 'the error counts as internal_error', err);
    return 'internal_error';
  }
}

/** The span of an authentication operation (verify, sign, KMS, key store). */
function annotate(
  op: Operation,
  span: Span,
  label: string,
  reason: FailureReason | undefined,
  client: string | undefined,
  error: unknown,
  failed: boolean,
): void {
  if (op.limiter !== undefined) span.setAttribute(ATTR.keyId, label);
  span.setAttribute(ATTR.outcome, reason === undefined ? 'accepted' : outcomeOf(reason));
  if (client !== undefined) span.setAttribute(ATTR.clientId, client);
  if (reason === undefined) return;
  span.setAttribute(ATTR.errorType, reason);
  if (failed) span.setAttribute(ATTR.errorClass, errorClassName(error));
  let message: string = reason;
  if (op.recordErrorMessages && failed && error instanceof Error) {
    message = error.message;
    span.recordException(error);
  }
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

