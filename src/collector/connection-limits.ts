/**
 * The HTTP server's bounds on connections (`collector.server`): how many may be open, and how long
 * a client may take to send its headers, its whole request, or nothing at all. Node's defaults
 * (no connection cap, 60 s for headers, 300 s for a request, no idle timeout, checked every 30 s)
 * let slowloris and slow-body clients pin sockets and memory for minutes, and one client could hold
 * every connection (hence also a cap per client address). Every connection the server cuts is counted in `hmac_slo_collector_closed_connections_total{reason}`.
 */
import type { Server, ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { durationSeconds } from '../config/duration.js';
import type { HmacSloConfig } from '../config/schema.js';
import type { SelfMetrics } from './self-metrics.js';

type ServerSettings = HmacSloConfig['collector']['server'];

const ms = (d: string) => durationSeconds(d) * 1000;

/** Options for `http.createServer`: the timeouts, checked often enough to hold to them. */
export function httpServerOptions(s: ServerSettings): ServerOptions {
  const requestTimeout = ms(s.requestTimeout);
  // Node refuses a headers timeout longer than the request timeout: the request one covers both.
  const headersTimeout = Math.min(ms(s.headersTimeout), requestTimeout);
  return {
    headersTimeout,
    requestTimeout,
    keepAliveTimeout: ms(s.keepAliveTimeout),
    // How often Node looks for expired headers/request timers (default 30 s): a tenth of the
    // shortest, between 100 ms and 1 s, so a connection is cut close to its deadline.
    connectionsCheckingInterval: Math.min(1000, Math.max(100, headersTimeout / 10)),
  };
}

/** The connection caps and idle timeout, and counting of the connections the server cuts. */
export function guardConnections(server: Server, s: ServerSettings, self: SelfMetrics, log: Logger): void {
  server.maxConnections = s.maxConnections;
  server.on('drop', () => self.connectionClosed('max_connections'));
  limitPerClient(server, s.maxConnectionsPerClient, () => self.connectionClosed('max_connections_per_client'));
  // Nothing moved on the socket (mid-request or between requests) for idleTimeout: close it.
  server.setTimeout(ms(s.idleTimeout), (socket: Socket) => {
    self.connectionClosed('timeout');
    socket.destroy();
  });
  // Node's own answers to broken requests, kept, plus counting the header/body timeouts.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      self.connectionClosed('timeout');
      log.warn({ remote: socket.remoteAddress }, 'connection closed: request not received within the headers or request timeout');
    }
    if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    const status =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    socket.destroySoon();
  });
}

/**
 * At most `max` open connections per client address (loopback included): one stranger holding idle
 * sockets cannot take the whole `maxConnections`. A connection over it is closed as soon as it is
 * accepted, before TLS or HTTP sees it.
 */
function limitPerClient(server: Server, max: number, onRefused: () => void): void {
  const open = new Map<string, number>();
  server.prependListener('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    const n = open.get(address) ?? 0;
    if (n >= max) {
      onRefused();
      socket.destroy();
      return;
    }
    open.set(address, n + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
}
