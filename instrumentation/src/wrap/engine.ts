/**
 * The one call path every wrapper (verifier, signer, KMS, key store) runs through.
 *
 * Contract with the caller: the wrapped function's return value comes back untouched (for a promise, a
 * promise of the same kind settling with the same value or the same error object), a thrown error is
 * rethrown as the same object, a synchronous function stays synchronous. Telemetry failures are swallowed: instrumentation must never change
 * what authentication decides.
 *
 * Cost on the hot path (see docs/metrics.md "Performance"): one performance.now() pair, a Map lookup
 * for the key-ID label, `counts[i]++` in a preallocated table, one histogram record with a cached
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
  type Span,
  type Tracer,
  type Attributes,
} from '@opentelemetry/api';
import {
  ATTR,
  FAILURE_REASON_NAMES,
  OUTCOMES,
  isFailureReason,
  outcomeOf,
  type FailureReason,
  type Outcome,
} from '../contract.js';
import type { CounterCells, HistogramCells } from '../telemetry/cells.js';
import type { HistogramName, Hub } from '../telemetry/hub.js';
import type { KeyIdLimiter } from '../telemetry/key-id-limiter.js';

export const REASON_INDEX: Readonly<Record<FailureReason, number>> = Object.fromEntries(
  FAILURE_REASON_NAMES.map((r, i) => [r, i]),
) as Record<FailureReason, number>;
export const OUTCOME_INDEX: Readonly<Record<Outcome, number>> = { accepted: 0, rejected: 1, error: 2 };

/** Counter variants "accepted, then one per failure reason" (instruments with `error.type`). */
export const REASON_VARIANTS: readonly Attributes[] = [
  { [ATTR.outcome]: 'accepted' },
  ...FAILURE_REASON_NAMES.map((r) => ({ [ATTR.outcome]: outcomeOf(r), [ATTR.errorType]: r })),
];
/** Variants by outcome only (histograms; the key-store counter). */
export const OUTCOME_VARIANTS: readonly Attributes[] = OUTCOMES.map((o) => ({ [ATTR.outcome]: o }));

export interface Series {
  readonly label: string;
  readonly counter: CounterCells;
  readonly histogram: HistogramCells | undefined;
}

export interface OperationConfig {
  readonly hub: Hub;
  readonly tracer: Tracer;
  readonly spanName: string;
  /** Span attributes known up front (scheme, KMS provider...). */
  readonly spanAttributes: Attributes;
  /** Series for a key-ID label (or a constant label when the operation has no key ID). */
  readonly seriesFor: (label: string) => Series;
  readonly histogramName: HistogramName | undefined;
  /** Counter indexed by reason (true) or by outcome (false: the key-store counter has no error.type). */
  readonly countsByReason: boolean;
  readonly limiter: KeyIdLimiter | undefined;
  readonly keyId: ((...args: any[]) => unknown) | undefined;
  /**
   * Key ID read from a successful call's result. When set, `keyId` runs only for failed calls (after
   * the call): the common, successful path skips header parsing altogether.
   */
  readonly verifiedKeyId?: ((result: any) => unknown) | undefined;
  readonly clientId: ((...args: any[]) => unknown) | undefined;
  /** Called after the decision with the arguments and the reason (clock skew). Errors are ignored. */
  readonly afterCall: ((args: unknown[], reason: FailureReason | undefined, nowMs: number) => void) | undefined;
  /** Reason for a returned (not thrown) result, or undefined when the result means success. */
  readonly judgeResult: ((result: unknown, args: unknown[]) => FailureReason | undefined) | undefined;
  readonly classify: (error: unknown) => FailureReason;
  readonly recordErrorMessages: boolean;
}

type Fn = (...args: unknown[]) => unknown;

export function instrumentCall<F extends (...args: any[]) => any>(fn: F, config: OperationConfig): F {
  if (typeof fn !== 'function') throw new TypeError('expected a function to instrument');
  const { tracer, spanName, keyId } = config;
  const keyIdUpFront = config.verifiedKeyId === undefined ? keyId : undefined;

  const wrapped = function (this: unknown, ...args: unknown[]): unknown {
    const span = startSpan(tracer, spanName);
    const recording = span.isRecording();
    const claimed = keyIdUpFront === undefined ? undefined : claimOf(keyIdUpFront, args);
    const start = performance.now();
    let result: unknown;
    try {
      result = recording
        ? context.with(trace.setSpan(context.active(), span), fn as Fn, this, ...args)
        : fn.apply(this, args);
    } catch (err) {
      finish(config, span, recording, claimed, start, args, undefined, err, true);
      throw err;
    }
    if (isThenable(result)) {
      // Chain (not a side branch): the caller's promise settles with the very same value or error
      // object, after the metrics are recorded. A side branch would keep the original promise object but
      // mark its rejection as handled, so a caller that forgot to handle it would no longer see the
      // unhandled rejection the bare verifier produces.
      return result.then(
        (value) => {
          finish(config, span, recording, claimed, start, args, value, undefined, false);
          return value;
        },
        (err) => {
          finish(config, span, recording, claimed, start, args, undefined, err, true);
          throw err;
        },
      );
    }
    finish(config, span, recording, claimed, start, args, result, undefined, false);
    return result;
  };
  Object.defineProperty(wrapped, 'name', { value: fn.name, configurable: true });
  Object.defineProperty(wrapped, 'length', { value: fn.length, configurable: true });
  return wrapped as F;
}

function claimOf(extract: (...args: any[]) => unknown, args: unknown[]): string | undefined {
  try {
    const id = extract(...args);
    return typeof id === 'string' && id !== '' ? id : undefined;
  } catch {
    return undefined;
  }
}

function asKeyId(extract: (result: any) => unknown, result: unknown): string | undefined {
  try {
    const id = extract(result);
    return typeof id === 'string' && id !== '' ? id : undefined;
  } catch {
    return undefined;
  }
}

/** Shared stand-in when no span is started (it records nothing; ending it does nothing). */
const SKIPPED_SPAN: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * Starts the call's span, unless the active parent span is explicitly not sampled: with the usual
 * ParentBased sampler (the SDK default) the child would not be sampled either, and skipping saves the
 * SDK's ID generation and sampler call on the 99 % of requests a 1 % sampling leaves untraced.
 */
export function startSpan(tracer: Tracer, name: string): Span {
  const parent = trace.getSpanContext(context.active());
  if (parent !== undefined && (parent.traceFlags & TraceFlags.SAMPLED) === 0 && isSpanContextValid(parent)) {
    return SKIPPED_SPAN;
  }
  return tracer.startSpan(name);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function finish(
  config: OperationConfig,
  span: Span,
  recording: boolean,
  claimedBefore: string | undefined,
  start: number,
  args: unknown[],
  result: unknown,
  error: unknown,
  failed: boolean,
): void {
  try {
    const now = performance.now();
    let claimed = claimedBefore;
    let reason: FailureReason | undefined;
    if (failed) reason = safeClassify(config.classify, error);
    else if (config.judgeResult !== undefined) reason = safeJudge(config.judgeResult, result, args);
    if (config.verifiedKeyId !== undefined) {
      if (reason === undefined) claimed = asKeyId(config.verifiedKeyId, result);
      else if (config.keyId !== undefined) claimed = claimOf(config.keyId, args);
    }
    const label = config.limiter === undefined ? '' : config.limiter.label(claimed, reason === undefined, now);
    const series = config.seriesFor(label);
    const outcome: Outcome = reason === undefined ? 'accepted' : outcomeOf(reason);
    const hub = config.hub;
    hub.touch(now);
    series.counter.counts[config.countsByReason ? (reason === undefined ? 0 : 1 + REASON_INDEX[reason]) : OUTCOME_INDEX[outcome]]! += 1;
    if (series.histogram !== undefined && config.histogramName !== undefined) {
      series.histogram.record((now - start) / 1000, OUTCOME_INDEX[outcome], hub.histogram(config.histogramName, now));
    }
    if (config.afterCall !== undefined) {
      try {
        config.afterCall(args, reason, now);
      } catch {
        // extractor bugs must never break authentication
      }
    }
    if (recording) annotate(config, span, label, outcome, reason, args, error, failed);
    span.end();
  } catch {
    // never let telemetry change the authentication result
  }
}

function safeJudge(
  judge: (result: unknown, args: unknown[]) => FailureReason | undefined,
  result: unknown,
  args: unknown[],
): FailureReason | undefined {
  try {
    const reason = judge(result, args);
    return reason === undefined || isFailureReason(reason) ? reason : 'internal_error';
  } catch {
    return 'internal_error';
  }
}

function safeClassify(classify: (error: unknown) => FailureReason, error: unknown): FailureReason {
  try {
    const reason = classify(error);
    return isFailureReason(reason) ? reason : 'internal_error';
  } catch {
    return 'internal_error';
  }
}

function annotate(
  config: OperationConfig,
  span: Span,
  label: string,
  outcome: Outcome,
  reason: FailureReason | undefined,
  args: unknown[],
  error: unknown,
  failed: boolean,
): void {
  span.setAttributes(config.spanAttributes);
  if (config.limiter !== undefined) span.setAttribute(ATTR.keyId, label);
  span.setAttribute(ATTR.outcome, outcome);
  if (config.clientId !== undefined) {
    try {
      const client = config.clientId(...args);
      if (typeof client === 'string' && client !== '') span.setAttribute(ATTR.clientId, client);
    } catch {
      // ignore extractor failures
    }
  }
  if (reason === undefined) return;
  span.setAttribute(ATTR.errorType, reason);
  if (failed) span.setAttribute(ATTR.errorClass, errorClassName(error));
  let message: string = reason;
  if (config.recordErrorMessages && failed && error instanceof Error) {
    message = error.message;
    span.recordException(error);
  }
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

/** The class name of what was thrown: constructor name first (Stripe's errors say `name: 'Error'`). */
export function errorClassName(error: unknown): string {
  if (error === null || error === undefined) return String(error);
  if (typeof error !== 'object' && typeof error !== 'function') return typeof error;
  const ctor = (error as { constructor?: { name?: unknown } }).constructor?.name;
  if (typeof ctor === 'string' && ctor !== '' && ctor !== 'Object') return ctor;
  const name = (error as { name?: unknown }).name;
  return typeof name === 'string' && name !== '' ? name : 'Object';
}
