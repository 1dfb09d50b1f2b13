/**
 * payments-api: verifies signed service-to-service calls (from checkout-service and
 * billing-worker) with the reference verifier, wrapped by `instrumentVerifier` and mounted with the
 * `hmacAuth` middleware on a plain `node:http` server. Keys come from the KMS-backed key store; the
 * nonce cache is wrapped by `instrumentReplayCache`; the key ring is observed (`hmac.key.info`).
 *
 * A canary instance runs the same code with one bug of its new router (seen as canary failures): it lower-cases the
 * request path before authentication, so calls to paths with upper-case IDs no longer match what
 * the client signed (signature_mismatch on the canary only).
 */
import {
  advertiseDiagnosisSubject,
  advertisedDiagnosisSubject,
  claimedKeyId,
  claimedTimestamp,
  createHmacVerifier,
  createNonceCache,
  instrumentReplayCache,
  instrumentVerifier,
  type HmacAuthInput,
  type VerifiedRequest,
} from '@hmac-slo/instrumentation';
import type { KmsKeyStore } from '../keystore.js';
import type { ServiceTelemetry } from '../telemetry.js';
import { clientIdOf, serveVerified, type LoopbackServer } from './http.js';

export const PAYMENTS_HOST = 'payments-api.internal';
export const SCHEME = 'hmac-sha256';

export interface PaymentsApiOptions {
  readonly telemetry: ServiceTelemetry;
  readonly keyStore: KmsKeyStore;
  readonly timestampWindowSeconds: number;
  /** The canary's router bug. */
  readonly lowerCasesPaths?: boolean;
}

export interface PaymentsApi {
  readonly server: LoopbackServer;
  readonly keyStore: KmsKeyStore;
  readonly telemetry: ServiceTelemetry;
  close(): Promise<void>;
}

export async function startPaymentsApi(options: PaymentsApiOptions): Promise<PaymentsApi> {
  const { meterProvider, tracerProvider } = options.telemetry;
  const { keyStore } = options;
  const window = options.timestampWindowSeconds;
  const nonces = instrumentReplayCache(createNonceCache({ ttlSeconds: 2 * window, maxEntries: 200_000 }), {
    scheme: SCHEME,
    meterProvider,
    tracerProvider,
  });
  const reference = createHmacVerifier({ keyRing: keyStore, timestampWindowSeconds: window, nonceCache: nonces, headers: ['host', 'content-type'] });
  // Synchronous while the key is cached; waits for the KMS only when it is not. It passes on the
  // reference verifier's mismatch diagnosis, which the closure would otherwise hide.
  const verifyWithKms = advertiseDiagnosisSubject((input: HmacAuthInput): VerifiedRequest | Promise<VerifiedRequest> => {
    const id = claimedKeyId(input);
    return keyStore.needsFetch(id) ? keyStore.load(id).then(() => reference(input)) : reference(input);
  }, advertisedDiagnosisSubject(reference)!);
  const verify = instrumentVerifier(verifyWithKms, {
    scheme: SCHEME,
    keyRing: keyStore,
    keyId: claimedKeyId,
    verifiedKeyId: (result) => result.keyId,
    timestamp: claimedTimestamp,
    clientId: clientIdOf,
    meterProvider,
    tracerProvider,
  });
  const service = await serveVerified({
    verify,
    keyRing: keyStore,
    meterProvider,
    okBody: '{"status":"accepted"}',
    rewriteUrl: options.lowerCasesPaths ? lowerCasePath : undefined,
  });
  return { server: service.server, keyStore, telemetry: options.telemetry, close: service.close };
}

/** The canary's bug: the path (not the query) lower-cased before authentication. */
function lowerCasePath(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url.toLowerCase() : url.slice(0, q).toLowerCase() + url.slice(q);
}
