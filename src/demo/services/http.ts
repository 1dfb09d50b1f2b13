/** Loopback HTTP plumbing shared by the demo services: listen on an OS-chosen port, close cleanly. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getHeader, type HeaderBag } from '@hmac-slo/instrumentation';

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
