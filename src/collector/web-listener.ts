/**
 * The collector's listening server: plain HTTP, or HTTPS when the web config has a
 * `tls_server_config`. Client certificates follow exporter-toolkit's `client_auth_type`: the
 * handshake itself refuses for RequireAndVerifyClientCert; the other modes are checked when the
 * connection is established, and a connection that breaks them is closed before any request.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { WebConfig } from './web-config.js';

export function createWebServer(
  web: WebConfig | undefined,
  options: ServerOptions,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  /** Called for each connection refused below HTTP (failed handshake, missing or unverified client certificate). */
  onTlsRefused: () => void = () => {},
): Server {
  if (!web?.tls) return createHttpServer(options, handler);
  // A TLS handshake is held to the headers timeout too (Node's default is 120 s): a client that
  // opens a connection and never finishes the handshake is a slowloris of its own.
  const server = createHttpsServer({ ...options, handshakeTimeout: options.headersTimeout, ...web.tls }, handler);
  server.on('tlsClientError', (_err, socket) => {
    onTlsRefused();
    socket.destroy();
  });
  const mode = web.clientAuth;
  if (mode === 'RequireAnyClientCert' || mode === 'VerifyClientCertIfGiven') {
    server.prependListener('secureConnection', (socket: TLSSocket) => {
      const presented = Object.keys(socket.getPeerCertificate() ?? {}).length > 0;
      const refused = mode === 'RequireAnyClientCert' ? !presented : presented && !socket.authorized;
      if (refused) {
        onTlsRefused();
        socket.destroy();
      }
    });
  }
  // https.Server has the http.Server API the collector uses (close, closeIdleConnections, …).
  return server as unknown as Server;
}
