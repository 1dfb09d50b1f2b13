/**
 * The collector's HTTP server (node:http): OTLP/HTTP ingestion, the Prometheus exposition, the JSON
 * APIs, health checks and the status page. Every refusal is a 4xx naming the problem, counted in
 * the collector's own metrics.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { CollectorCore } from './core.js';
import { decodeMetrics, decodeTraceBody, readBody, requestEncoding, type Encoding } from './otlp/body.js';
import { DecodeError, normalizeSpans } from './otlp/normalize.js';
import { errorResponse, exportResponse, type Encoded } from './otlp/response.js';
import { ByteWriter } from './byte-writer.js';
import { finish, OPENMETRICS_CONTENT_TYPE, TEXT_CONTENT_TYPE, wantsOpenMetrics, writeFamilies, writeSeries } from './exposition.js';
import { FailureQueryError, parseFailuresQuery } from './failures/index.js';
import { forbiddenJob, type PushAuth } from './auth.js';
import { jobOf } from './aggregate/aggregator.js';
import { OPEN_WEB_CONFIG, type WebConfig } from './web-config.js';
import { createReadAuth, type ReadAuth } from './read-auth.js';
import { createWebServer } from './web-listener.js';
import { guardConnections, httpServerOptions } from './connection-limits.js';
import { StorageError } from './storage-error.js';
import type { SelfMetrics } from './self-metrics.js';

export interface ServerOptions {
  readonly core: CollectorCore;
  /** Where the HTTP layer counts its refusals (the collector's own metrics; the core's recorder). */
  readonly self: SelfMetrics;
  readonly log: Logger;
  readonly auth: PushAuth;
  /** TLS and read authentication (the web config); absent = plain HTTP, reads open. */
  readonly web?: WebConfig;
  /** Status page handler (true = it answered). */
  readonly ui?: (req: IncomingMessage, res: ServerResponse) => boolean;
  readonly now?: () => number;
}

/** gRPC status codes for the `google.rpc.Status` body of protobuf error responses. */
function grpcCode(http: number): number {
  if (http === 401) return 16; // UNAUTHENTICATED
  if (http === 403) return 7; // PERMISSION_DENIED
  if (http === 429) return 8; // RESOURCE_EXHAUSTED
  if (http === 503) return 14; // UNAVAILABLE
  return 3; // INVALID_ARGUMENT
}

function send(res: ServerResponse, status: number, e: Encoded, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': e.contentType, ...extra });
  res.end(e.body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

export class CollectorServer {
  readonly server: Server;
  private inFlight = 0;
  private closing = false;
  private readonly now: () => number;
  private readonly readAuth: ReadAuth;

  constructor(private readonly opts: ServerOptions) {
    this.now = opts.now ?? Date.now;
    this.readAuth = createReadAuth(opts.web ?? OPEN_WEB_CONFIG);
    const self = opts.self;
    const tlsRefused = () => self.requestRefused('tls_handshake');
    const limits = opts.core.config.collector.server;
    this.server = createWebServer(opts.web, httpServerOptions(limits), (req, res) => {
      this.inFlight++;
      res.once('close', () => this.inFlight--);
      this.handle(req, res).catch((err: unknown) => {
        opts.log.error({ err: (err as Error).message, path: req.url }, 'request failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
        else res.destroy();
      });
    }, tlsRefused);
    guardConnections(this.server, limits, self, opts.log);
  }

  listen(host: string, port: number): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve(this.server.address() as AddressInfo));
    });
  }

  get ready(): boolean {
    return !this.closing;
  }

  /** Stops accepting, lets in-flight requests finish (bounded), then resolves. */
  async close(timeoutMs = 10_000): Promise<void> {
    this.closing = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Pushes name their path exactly: no URL object for them (it would be the same path).
    if (req.method === 'POST') {
      if (req.url === '/v1/metrics') return this.export(req, res, 'metrics');
      if (req.url === '/v1/traces') return this.export(req, res, 'traces');
    }
    // A request target URL cannot parse (`GET http://[`): the client's mistake, answered 400 and
    // counted; logged at debug only, so a flood of them cannot flood the log.
    if (!URL.canParse(req.url ?? '/', 'http://collector')) {
      this.opts.self.requestRefused('bad_request_target');
      this.opts.log.debug({ remote: req.socket?.remoteAddress }, 'request refused: unparsable request target');
      return sendJson(res, 400, { error: 'bad request target: not a valid path or URL' });
    }
    const url = new URL(req.url ?? '/', 'http://collector');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (path === '/v1/metrics' || path === '/v1/traces') {
      if (method !== 'POST') return sendJson(res, 405, { error: `${path} accepts POST only` });
      return this.export(req, res, path === '/v1/metrics' ? 'metrics' : 'traces');
    }
    const isGet = method === 'GET' || method === 'HEAD';
    const core = this.opts.core;
    // Every read needs the web config's credentials; health checks only when the config says so.
    const health = path === '/healthz' || path === '/readyz';
    if (this.readAuth.required && !(health && (this.opts.web?.healthOpen ?? true))) {
      const denied = await this.readAuth.check(req.headers.authorization);
      if (denied !== undefined) {
        this.opts.self.requestRefused('unauthorized');
        res.writeHead(401, { 'content-type': 'application/json; charset=utf-8', 'www-authenticate': this.readAuth.challenge, 'cache-control': 'no-store' });
        return void res.end(JSON.stringify({ error: `unauthorized: ${denied}` }));
      }
    }
    switch (path) {
      case '/healthz':
        return sendJson(res, 200, { status: 'ok' });
      case '/readyz':
        return sendJson(res, this.closing ? 503 : 200, { status: this.closing ? 'shutting down' : 'ready' });
      case '/metrics':
        if (!isGet) break;
        return this.metrics(req, res);
      case '/api/slo':
        if (!isGet) break;
        return sendJson(res, 200, core.sloStatus(this.now()));
      case '/api/slo/history': {
        if (!isGet) break;
        const job = url.searchParams.get('job');
        const slo = url.searchParams.get('slo');
        if (!job || !slo) return sendJson(res, 400, { error: 'job and slo query parameters are required' });
        const history = core.sloHistory(job, slo);
        if (!history) return sendJson(res, 404, { error: `no history for job ${JSON.stringify(job)} and slo ${JSON.stringify(slo)}` });
        return sendJson(res, 200, history);
      }
      case '/api/slo/detail': {
        if (!isGet) break;
        const job = url.searchParams.get('job');
        const slo = url.searchParams.get('slo');
        const range = url.searchParams.get('range') ?? '1h';
        if (!job || !slo) return sendJson(res, 400, { error: 'job and slo query parameters are required' });
        const ranges = core.sloDetailRanges();
        if (!ranges.includes(range)) return sendJson(res, 400, { error: `range must be one of ${ranges.join(', ')}` });
        const detail = core.sloDetail(job, slo, range);
        if (!detail) return sendJson(res, 404, { error: `no history for job ${JSON.stringify(job)} and slo ${JSON.stringify(slo)}` });
        return sendJson(res, 200, detail);
      }
      case '/api/failures':
        if (!isGet) break;
        try {
          return sendJson(res, 200, core.failureQuery(parseFailuresQuery(url.searchParams)));
        } catch (err) {
          if (err instanceof FailureQueryError) return sendJson(res, 400, { error: err.message });
          throw err;
        }
      case '/api/keys':
        if (!isGet) break;
        return sendJson(res, 200, core.keyUsage(this.now()));
      default:
        if (this.opts.ui?.(req, res)) return;
        return sendJson(res, 404, { error: `no such path: ${path}` });
    }
    return sendJson(res, 405, { error: `${path} accepts GET only` });
  }

  private metrics(req: IncomingMessage, res: ServerResponse): void {
    const core = this.opts.core;
    const now = this.now();
    const om = wantsOpenMetrics(req.headers.accept);
    const out = new ByteWriter();
    writeSeries(out, core, om);
    writeFamilies(out, core.selfFamilies(), om);
    const chunks = finish(out, om);
    let length = 0;
    for (const c of chunks) length += c.length;
    res.writeHead(200, { 'content-type': om ? OPENMETRICS_CONTENT_TYPE : TEXT_CONTENT_TYPE, 'content-length': length });
    if (req.method === 'HEAD') return void res.end();
    for (const c of chunks) res.write(c);
    res.end();
  }

  private async export(req: IncomingMessage, res: ServerResponse, signal: 'metrics' | 'traces'): Promise<void> {
    const core = this.opts.core;
    const self = this.opts.self;
    let encoding: Encoding | undefined;
    const remote = req.socket?.remoteAddress;
    const refuse = (status: number, reason: string, message: string, unreadBody = false) => {
      self.pushRefused(signal, status, reason);
      this.opts.log.warn({ signal, status, reason, message, remote }, 'push refused');
      // After a refusal the rest of a large body is not worth reading: close the connection.
      const extra: Record<string, string> = req.readableEnded ? {} : { connection: 'close' };
      if (!req.readableEnded && unreadBody) {
        // Refused from the headers: none of the body is wanted. Node closes the connection after
        // this answer (Connection: close); should anything keep it open, at most 256 KiB or 1 s
        // more of the body is discarded before it is dropped.
        res.once('finish', () => {
          let discarded = 0;
          req.on('data', (c: Buffer) => (discarded += c.length) > 256 * 1024 && req.destroy());
          setTimeout(() => req.destroy(), 1000).unref();
        });
      } else if (!req.readableEnded) {
        // Drain the unread rest briefly (closing with unread data would reset the connection and
        // could lose this answer), then drop the connection whatever the client still sends.
        res.once('finish', () => {
          req.resume();
          setTimeout(() => req.destroy(), 2000).unref();
        });
      }
      send(res, status, errorResponse(encoding, grpcCode(status), message), extra);
    };
    if (this.closing) return refuse(503, 'shutting_down', 'collector is shutting down');
    try {
      encoding = requestEncoding(req);
      // Credentials first, from the headers alone: an unauthenticated body is never read.
      const auth = this.opts.auth.checkHeaders(req);
      if (!auth.ok) return refuse(auth.status, auth.code, auth.reason, true);
      const body = await readBody(req, core.config.collector.limits);
      const denied = auth.verifyBody?.(body);
      if (denied !== undefined) return refuse(denied.status, denied.code, denied.reason);
      // A credential bound to jobs writes only those: one resource of another job refuses the push.
      const notAllowed = (jobs: Iterable<string>) => {
        const job = forbiddenJob(auth.identity, jobs);
        if (job !== undefined) refuse(403, 'job_not_allowed', `${auth.identity!.name} may not write job ${JSON.stringify(job)}`);
        return job !== undefined;
      };
      const limits = core.config.collector.limits;
      if (signal === 'metrics') {
        const resources = decodeMetrics(body, encoding, limits);
        if (notAllowed(resources.map((r) => jobOf(r.resource)))) return;
        const result = await core.ingestMetrics(resources, this.now(), body, encoding);
        let rejected = 0;
        for (const n of result.rejected.values()) rejected += n;
        self.pushAccepted(signal, rejected > 0);
        return send(res, 200, exportResponse('metrics', encoding, rejected, result.messages.join('; ')));
      }
      const spans = normalizeSpans(decodeTraceBody(body, encoding, limits));
      if (notAllowed(spans.map((sp) => jobOf(sp.resource)))) return;
      await core.ingestSpans(spans, this.now());
      self.pushAccepted(signal);
      return send(res, 200, exportResponse('traces', encoding, 0, ''));
    } catch (err) {
      if (err instanceof DecodeError) return refuse(err.status, err.reason, err.message);
      // The state directory cannot take the push (disk full): 503, which OTLP exporters retry.
      if (err instanceof StorageError) return refuse(503, 'storage_unavailable', `collector storage unavailable (${err.code}); retry later`);
      throw err;
    }
  }
}
