/**
 * webhook-receiver: verifies signed webhook deliveries from the card acquirer (webhook-sender)
 * with the reference verifier and a local key ring (secrets from its deployment, no KMS), wrapped by
 * `instrumentVerifier`, behind the `hmacAuth` middleware. Its nonce cache is instrumented and its key
 * ring observed like the payments-api's.
 */
import {
  claimedKeyId,
  claimedTimestamp,
  createHmacVerifier,
  createNonceCache,
  instrumentReplayCache,
  instrumentVerifier,
  type KeyRing,
} from '@hmac-slo/instrumentation';
import type { ServiceTelemetry } from '../telemetry.js';
import { clientIdOf, serveVerified, type LoopbackServer } from './http.js';
import { SCHEME } from './payments-api.js';

export const WEBHOOKS_HOST = 'hooks.shop.example';

export interface WebhookReceiver {
  readonly server: LoopbackServer;
  readonly telemetry: ServiceTelemetry;
  close(): Promise<void>;
}

export async function startWebhookReceiver(options: {
  telemetry: ServiceTelemetry;
  keyRing: KeyRing;
  timestampWindowSeconds: number;
}): Promise<WebhookReceiver> {
  const { meterProvider, tracerProvider } = options.telemetry;
  const window = options.timestampWindowSeconds;
  const nonces = instrumentReplayCache(createNonceCache({ ttlSeconds: 2 * window, maxEntries: 100_000 }), {
    scheme: SCHEME,
    meterProvider,
    tracerProvider,
  });
  const verify = instrumentVerifier(
    createHmacVerifier({ keyRing: options.keyRing, timestampWindowSeconds: window, nonceCache: nonces, headers: ['content-type'] }),
    {
      scheme: SCHEME,
      keyRing: options.keyRing,
      keyId: claimedKeyId,
      timestamp: claimedTimestamp,
      clientId: clientIdOf,
      meterProvider,
      tracerProvider,
    },
  );
  const service = await serveVerified({ verify, keyRing: options.keyRing, meterProvider, okBody: '{"received":true}' });
  return { server: service.server, telemetry: options.telemetry, close: service.close };
}
