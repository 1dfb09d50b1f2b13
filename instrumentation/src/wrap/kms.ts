/**
 * `instrumentKms(operation, { provider, operation })`: counts and times calls to a KMS or secrets
 * manager (`hmac.kms.operations`, `hmac.kms.operation.duration`) with a `hmac.kms.<operation>` span.
 * Errors are classified by `classifyKmsError` (timeout / throttled / unavailable / other) unless
 * `classify` is given.
 */
import { ATTR, DURATION_BUCKETS_SECONDS, SPANS } from '../contract.js';
import { hubFor, tracerFor } from '../telemetry/hub.js';
import { instrumentCall } from './engine.js';
import { classifyKmsError } from './kms-reasons.js';
import { checkToken, type ErrorOptions, type ProviderOptions } from './options.js';
import { OperationSeries } from './series.js';

type Fn = (...args: any[]) => any;

export interface KmsOptions extends ErrorOptions, ProviderOptions {
  /** `aws-kms`, `gcp-kms`, `vault`, `azure-keyvault`... */
  provider: string;
  /** `decrypt`, `generate_mac`, `get_secret`... (also names the span `hmac.kms.<operation>`). */
  operation: string;
}

export function instrumentKms<F extends Fn>(operation: F, options: KmsOptions): F {
  const provider = checkToken(options?.provider, 'provider');
  const op = checkToken(options?.operation, 'operation');
  const hub = hubFor(options.meterProvider);
  const base = { [ATTR.kmsProvider]: provider, [ATTR.kmsOperation]: op };
  return instrumentCall(operation, {
    tracer: tracerFor(options.tracerProvider),
    spanName: SPANS.kms(op),
    spanAttributes: Object.freeze({ ...base }),
    series: new OperationSeries({ hub, counter: 'kmsOperations', histogram: 'kmsOperationDuration', buckets: DURATION_BUCKETS_SECONDS, base }),
    classify: options.classify ?? classifyKmsError,
    recordErrorMessages: options.recordErrorMessages,
  });
}
