/**
 * `instrumentKeyStore(getKey, { name })`: an audit trail of secret reads (`hmac.keystore.reads`,
 * the secrets-access audit) by key ID, store and outcome, with a `hmac.keystore.read` span. A read that returns nothing
 * (`undefined`/`null`) is `rejected` (the key does not exist); a thrown error is classified
 * (`classifyKmsError` by default: stores are usually KMS/secrets-manager backed).
 *
 * The key ID defaults to the first argument when it is a string. It is bounded like the verifier's:
 * declared IDs, or IDs the store actually returned a key for; otherwise `unknown`.
 */
import { ATTR, SPANS } from '../contract.js';
import { hubFor, tracerFor } from '../telemetry/hub.js';
import { KeyIdLimiter } from '../telemetry/key-id-limiter.js';
import { instrumentCall } from './engine.js';
import { classifyKmsError } from './kms-reasons.js';
import { checkToken, type ErrorOptions, type KeyIdOptions, type ProviderOptions } from './options.js';
import { OperationSeries } from './series.js';

type Fn = (...args: any[]) => any;

export interface KeyStoreOptions<F extends Fn = Fn> extends KeyIdOptions<Parameters<F>>, ErrorOptions, ProviderOptions {
  /** The store's name (`vault`, `env`, `aws-secrets-manager`...). */
  name: string;
}

const firstStringArg = (...args: unknown[]) => (typeof args[0] === 'string' ? args[0] : undefined);

export function instrumentKeyStore<F extends Fn>(getKey: F, options: KeyStoreOptions<F>): F {
  const name = checkToken(options?.name, 'name');
  const hub = hubFor(options.meterProvider);
  const base = { [ATTR.keystoreName]: name };
  return instrumentCall(getKey, {
    tracer: tracerFor(options.tracerProvider),
    spanName: SPANS.keystore,
    spanAttributes: Object.freeze({ ...base }),
    series: new OperationSeries({ hub, counter: 'keystoreReads', countBy: 'outcome', base, labelKey: ATTR.keyId }),
    limiter: new KeyIdLimiter(options),
    keyId: options.keyId ?? firstStringArg,
    judgeResult: (result) => (result === undefined || result === null ? 'unknown_key' : undefined),
    classify: options.classify ?? classifyKmsError,
    recordErrorMessages: options.recordErrorMessages,
  });
}
