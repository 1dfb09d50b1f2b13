/** Loopback HTTP plumbing shared by the demo services: listen on an OS-chosen port, close cleanly. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MeterProvider } from '@opentelemetry/api';
import { getHeader, hmacAuth, observeKeyRing, type HeaderBag, type HmacAuthInput, type KeyRingLike } from '@hmac-slo/instrumentation';

export interface LoopbackServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

export async function listenLoopback(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<LoopbackServer> {
  const server: Server = createServer(handler);
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The verifier's `clientId` option: the calling service's self-declared name (span-only attribute). */
export function clientIdOf(input: { headers?: unknown }): string | undefined {
  return getHeader(input.headers as HeaderBag | undefined, 'x-client-id');
}

/** The business handler behind the auth middleware: the demo only needs an answer. */
export function answerOk(res: ServerResponse, body: string): void {
  res.statusCode = 200;
  res.setHeader('content-type', 'application/json');
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(body);
}

export interface VerifyingService {
  readonly server: LoopbackServer;
  close(): Promise<void>;
}

/**
 * A demo service: `verify` behind the `hmacAuth` middleware on a loopback server that answers
 * `okBody` to every authenticated request, with its key ring observed (`hmac.key.info`).
 * `rewriteUrl` runs before authentication (the canary's router bug).
 */
export async function serveVerified(options: {
  verify: (input: HmacAuthInput) => unknown;
  keyRing: KeyRingLike;
  meterProvider: MeterProvider;
  okBody: string;
  rewriteUrl?: (url: string) => string;
}): Promise<VerifyingService> {
  const { verify, rewriteUrl, okBody } = options;
  const keyRingObservation = observeKeyRing(options.keyRing, { meterProvider: options.meterProvider });
  const auth = hmacAuth({ verifier: (input) => verify(input) });
  const server = await listenLoopback((req, res) => {
    if (rewriteUrl && req.url) req.url = rewriteUrl(req.url);
    auth(req, res, (err) => {
      if (err) {
        res.statusCode = 500;
        res.end();
        return;
      }
      answerOk(res, okBody);
    });
  });
  return {
    server,
    close: async () => {
      await server.close();
      keyRingObservation.stop();
    },
  };
}
