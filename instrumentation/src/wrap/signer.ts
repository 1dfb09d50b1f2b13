/**
 * `instrumentSigner(sign, options)`: counts and times signatures (`hmac.auth.signings`,
 * `hmac.auth.signing.duration`) with a `hmac.sign` span. Same call contract as the verifier wrapper:
 * same return value (a promise settles with the same value), same error object, sync stays sync.
 */
import { ATTR, DURATION_BUCKETS_SECONDS, SPANS } from '../contract.js';
import { classifyError } from '../classify/index.js';
import { hubFor, tracerFor } from '../telemetry/hub.js';
import { KeyIdLimiter } from '../telemetry/key-id-limiter.js';
import { instrumentCall } from './engine.js';
import { checkToken, type ErrorOptions, type KeyIdOptions, type ProviderOptions } from './options.js';
import { OperationSeries } from './series.js';

type Fn = (...args: any[]) => any;

export interface SignerOptions<F extends Fn = Fn> extends KeyIdOptions<Parameters<F>>, ErrorOptions, ProviderOptions {
  /** The authentication scheme. Comes from code. Default `hmac`. */
  scheme?: string;
}

export function instrumentSigner<F extends Fn>(sign: F, options: SignerOptions<F> = {}): F {
  const scheme = checkToken(options.scheme ?? 'hmac', 'scheme');
  const hub = hubFor(options.meterProvider);
  return instrumentCall(sign, {
    tracer: tracerFor(options.tracerProvider),
    spanName: SPANS.sign,
    spanAttributes: Object.freeze({ [ATTR.scheme]: scheme }),
    series: new OperationSeries({
      hub,
      counter: 'signings',
      histogram: 'signingDuration',
      buckets: DURATION_BUCKETS_SECONDS,
      base: { [ATTR.scheme]: scheme },
      labelKey: ATTR.keyId,
    }),
    limiter: new KeyIdLimiter(options),
    keyId: options.keyId,
    classify: options.classify ?? classifyError,
    recordErrorMessages: options.recordErrorMessages,
  });
}
