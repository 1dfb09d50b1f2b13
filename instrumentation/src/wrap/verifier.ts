/**
 * `instrumentVerifier(verify, options)`: the same function, now counted, timed and traced.
 *
 * Works for verifiers that throw (Stripe, standardwebhooks, svix, hawk, HmacAuthError-throwing custom
 * code) and for verifiers that return a verdict (`@octokit/webhooks-methods` resolves `false`): pass
 * `isAccepted` for those.
 */
import { ATTR, CLOCK_SKEW_BUCKETS_SECONDS, DURATION_BUCKETS_SECONDS, SPANS, isFailureReason, type FailureReason } from '../contract.js';
import { classifyError } from '../classify/index.js';
import { hubFor, tracerFor } from '../telemetry/hub.js';
import { KeyIdLimiter } from '../telemetry/key-id-limiter.js';
import { clientWindowFor } from '../telemetry/client-window.js';
import { instrumentCall } from './engine.js';
import { checkToken, type ErrorOptions, type KeyIdOptions, type ProviderOptions } from './options.js';
import { OperationSeries } from './series.js';
import { advertisedVerifiedKeyId } from '../verified-key-id.js';
import { FailureDiagnosis, type DiagnoseOptions } from '../diagnose/failure-diagnosis.js';

type Fn = (...args: any[]) => any;

export interface VerifierOptions<F extends Fn = Fn> extends KeyIdOptions<Parameters<F>>, ErrorOptions, ProviderOptions {
  /** The authentication scheme (`stripe`, `github`, `hawk`, `custom-v1`...). Comes from code. Default `hmac`. */
  scheme?: string;
  /**
   * Key ID from a successful call's result (e.g. the reference verifier's `result.keyId`). When given,
   * `keyId(...args)` is only evaluated for failed calls, so the success path skips header parsing.
   * Default: what `verify` advertises under `VERIFIED_KEY_ID` (the reference verifier does), else none.
   */
  verifiedKeyId?: (result: Awaited<ReturnType<F>>) => string | undefined | null;
  /**
   * Client identifier for the span (`hmac.client.id`); never a metric attribute. When given, the
   * wrapper also counts distinct clients over a sliding window (fingerprinted in memory):
   * `hmac.auth.clients` (active, failing) and `hmac.key.clients` (per key ID), the blast radius the
   * burn-rate alerts page or ticket on (docs/metrics.md "Clients").
   */
  clientId?: (...args: Parameters<F>) => string | undefined | null;
  /** Sliding window of the client counts, in milliseconds. Default 300 000 (5 minutes). */
  clientWindowMs?: number;
  /** Most clients (and key/client pairs) the window holds; further clients are not counted. Default 10 000. */
  maxClients?: number;
  /**
   * The request's timestamp, feeding `hmac.auth.clock_skew` (absolute seconds versus this clock) for
   * accepted requests and `timestamp_skew` rejections (other failures carry an unvouched timestamp).
   * A number is Unix seconds (as in Stripe's `t=` and `webhook-timestamp`); a Date is a Date; a numeric
   * string is Unix seconds.
   */
  timestamp?: (...args: Parameters<F>) => number | string | Date | undefined | null;
  /** For verifiers that return a verdict instead of throwing: true when the result means "verified". */
  isAccepted?: (result: Awaited<ReturnType<F>>) => boolean;
  /** Reason recorded when `isAccepted` says no. Default `signature_mismatch`. */
  rejectedReason?: FailureReason | ((result: Awaited<ReturnType<F>>, ...args: Parameters<F>) => FailureReason);
  /**
   * Mismatch diagnosis on failed calls (`hmac.failure.cause`, docs/wrapping-verifiers.md "Why a
   * signature fails"): on by default for stripe, github, standardwebhooks, svix and the reference
   * verifier; `false` turns it off.
   */
  diagnose?: DiagnoseOptions | false;
}

export function instrumentVerifier<F extends Fn>(verify: F, options: VerifierOptions<F> = {}): F {
  const scheme = checkToken(options.scheme ?? 'hmac', 'scheme');
  const hub = hubFor(options.meterProvider);
  const limiter = new KeyIdLimiter(options);
  const skew = options.timestamp;
  const base = { [ATTR.scheme]: scheme };
  const skewSeries = skew === undefined
    ? undefined
    : new OperationSeries({ hub, histogram: 'clockSkew', histogramBy: 'none', buckets: CLOCK_SKEW_BUCKETS_SECONDS, base });
  const skewCell = skewSeries?.cell('');
  const recordSkew =
    skew === undefined || skewSeries === undefined || skewCell === undefined
      ? undefined
      : (args: unknown[], reason: FailureReason | undefined, nowMs: number) => {
          // Skew is recorded for accepted requests and for timestamp_skew rejections only: a request that
          // failed for another reason (a forged signature, an unknown key) carries a timestamp nobody
          // vouches for, and an attacker could otherwise paint a clock-drift incident on the dashboard.
          if (reason !== undefined && reason !== 'timestamp_skew') return;
          const seconds = skewSeconds(skew(...(args as Parameters<F>)));
          if (seconds !== undefined) skewSeries.observe(skewCell, seconds, nowMs);
        };
  // Only wrappers given a clientId pay for the client window (one HMAC of the ID and two Map moves).
  const clients = options.clientId === undefined ? undefined : clientWindowFor(hub, { windowMs: options.clientWindowMs, maxClients: options.maxClients });
  const recordClient =
    clients === undefined
      ? undefined
      : (_args: unknown[], reason: FailureReason | undefined, nowMs: number, keyLabel: string, client: string | undefined) => {
          clients.record(scheme, client, keyLabel, reason !== undefined, nowMs);
        };
  const { isAccepted, rejectedReason } = options;
  if (rejectedReason !== undefined && typeof rejectedReason !== 'function' && !isFailureReason(rejectedReason)) {
    throw new TypeError(`rejectedReason must be a failure reason of the taxonomy, got ${JSON.stringify(rejectedReason)}`);
  }

  const diagnosis = options.diagnose === false ? undefined : new FailureDiagnosis(hub, scheme, verify, options.diagnose ?? {}, options.keyRing);

  return instrumentCall(verify, {
    tracer: tracerFor(options.tracerProvider),
    spanName: SPANS.verify,
    spanAttributes: Object.freeze({ ...base }),
    series: new OperationSeries({
      hub,
      counter: 'verifications',
      histogram: 'verificationDuration',
      buckets: DURATION_BUCKETS_SECONDS,
      base,
      labelKey: ATTR.keyId,
    }),
    limiter,
    keyId: options.keyId,
    verifiedKeyId: options.verifiedKeyId ?? advertisedVerifiedKeyId(verify),
    clientId: options.clientId,
    afterCall:
      recordClient === undefined
        ? recordSkew
        : recordSkew === undefined
          ? recordClient
          : (args, reason, nowMs, keyLabel, client) => {
              recordSkew(args, reason, nowMs);
              recordClient(args, reason, nowMs, keyLabel, client);
            },
    judgeResult:
      isAccepted === undefined
        ? undefined
        : (result, args) => {
            if (isAccepted(result as Awaited<ReturnType<F>>)) return undefined;
            if (typeof rejectedReason === 'function') {
              return rejectedReason(result as Awaited<ReturnType<F>>, ...(args as Parameters<F>));
            }
            return rejectedReason ?? 'signature_mismatch';
          },
    classify: options.classify ?? classifyError,
    recordErrorMessages: options.recordErrorMessages,
    onFailure: diagnosis === undefined ? undefined : (span, recording, args, reason, error, label, nowMs) => diagnosis.run(span, recording, args, reason, error, label, nowMs),
  });
}

/** |now − timestamp| in seconds, or undefined when the request carries no usable timestamp. */
export function skewSeconds(ts: number | string | Date | undefined | null, nowMs: number = Date.now()): number | undefined {
  let ms: number;
  if (ts instanceof Date) ms = ts.getTime();
  else if (typeof ts === 'number') ms = ts * 1000;
  else if (typeof ts === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(ts)) ms = Number(ts) * 1000;
  else return undefined;
  if (!Number.isFinite(ms)) return undefined;
  return Math.abs(nowMs - ms) / 1000;
}
