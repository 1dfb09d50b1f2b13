/**
 * `hmacAuth({ verifier })`: Express (or plain `node:http`) middleware that verifies a request with
 * any verifier — typically one wrapped by `instrumentVerifier` — and answers failures with only the
 * reason code. Typed structurally, with no runtime dependency on Express.
 *
 * The raw body: taken from `req.rawBody` (e.g. set by a body parser's `verify` hook), else from
 * `req.body` when `express.raw()`/`express.text()` already ran, else read from the stream here (up
 * to `limit` bytes). On success `req.rawBody` holds the bytes, `req.body` the same Buffer unless a
 * parser had already set it (a parsed object or `express.text()`'s string stays), and `req.hmac` the
 * verifier's result.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { outcomeOf, type FailureReason } from './contract.js';
import { classifyError } from './classify/index.js';
import { packageReporter } from './telemetry/report.js';

export interface HmacAuthRequest extends IncomingMessage {
  body?: unknown;
  rawBody?: Buffer;
  /** Express's full URL (mount path included); `url` is used when absent. */
  originalUrl?: string;
  hmac?: unknown;
}

/** What the middleware hands the verifier: the reference verifier's input shape, raw body as a Buffer. */
export interface HmacAuthInput {
  method: string;
  /** Full path with query (`req.originalUrl`, else `req.url`). */
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface HmacAuthOptions<R = unknown> {
  /**
   * Verifies the request; throw (or reject) on failure. Receives the request as the reference
   * verifier expects it — `{ method, path, headers, body }` with the raw body as a Buffer — and the
   * original request for anything else (e.g. `stripe.webhooks.constructEvent(input.body, headers['stripe-signature'], secret)`).
   */
  verifier: (input: HmacAuthInput, req: HmacAuthRequest) => R | Promise<R>;
  /** For verifiers that return `false` instead of throwing (e.g. octokit's `verify`). */
  isAccepted?: (result: R) => boolean;
  /** Reason when `isAccepted` says no. Default `signature_mismatch`. */
  rejectedReason?: FailureReason;
  /** Default: the package's `classifyError`. Use the same classifier as `instrumentVerifier`. */
  classify?: (err: unknown) => FailureReason;
  /** Largest body read, in bytes. Default 1 MiB; larger bodies get 413 without being verified. */
  limit?: number;
  /** `WWW-Authenticate` value on 401 answers. Default `HMAC-SHA256`; `false` to omit. */
  challenge?: string | false;
}

export type HmacAuthMiddleware = (req: HmacAuthRequest, res: ServerResponse, next: (err?: unknown) => void) => void;

class BodyError extends Error {
  constructor(readonly status: number, readonly code: string) {
    super(code);
  }
}

/** HTTP status for a failure reason: 401 for the client's fault, 503 for KMS, 500 for the rest. */
export function statusForReason(reason: FailureReason): number {
  if (outcomeOf(reason) === 'rejected') return 401;
  return reason.startsWith('kms_') ? 503 : 500;
}

function send(res: ServerResponse, status: number, code: string, extraHeaders: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = JSON.stringify({ error: code });
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('cache-control', 'no-store');
  res.setHeader('content-length', Buffer.byteLength(body));
  for (const [k, v] of Object.entries(extraHeaders)) res.setHeader(k, v);
  res.end(body);
}

async function readRawBody(req: HmacAuthRequest, limit: number): Promise<Buffer> {
  if (Buffer.isBuffer(req.rawBody)) return req.rawBody;
  if (Buffer.isBuffer(req.body)) return req.body;
  if (typeof req.body === 'string') return Buffer.from(req.body, 'utf8');
  if (req.body !== undefined && req.body !== null && req.readableEnded) {
    // A parser (express.json, urlencoded) consumed the stream without keeping the bytes.
    throw new BodyError(500, 'internal_error');
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new BodyError(413, 'payload_too_large');
  if (req.readableEnded) return Buffer.alloc(0);
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      fn();
    };
    const onData = (chunk: Buffer | string) => {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      size += buf.length;
      if (size > limit) {
        // Stop buffering but keep draining (without destroying the socket) so the 413 is delivered.
        settle(() => {
          req.resume();
          reject(new BodyError(413, 'payload_too_large'));
        });
        return;
      }
      chunks.push(buf);
    };
    const onEnd = () => settle(() => resolve(Buffer.concat(chunks, size)));
    const onError = (err: unknown) => settle(() => reject(err));
    const onClose = () => settle(() => reject(new Error('request closed before its body was read')));
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

export function hmacAuth<R = unknown>(options: HmacAuthOptions<R>): HmacAuthMiddleware {
  const { verifier, isAccepted } = options;
  if (typeof verifier !== 'function') throw new TypeError('hmacAuth: verifier must be a function');
  const classify = options.classify ?? classifyError;
  const rejectedReason = options.rejectedReason ?? 'signature_mismatch';
  const limit = options.limit ?? 1024 * 1024;
  const challenge = options.challenge === undefined ? 'HMAC-SHA256' : options.challenge;

  const fail = (res: ServerResponse, reason: FailureReason) => {
    const status = statusForReason(reason);
    send(res, status, reason, status === 401 && challenge ? { 'www-authenticate': challenge } : {});
  };

  return (req, res, next) => {
    void (async () => {
      let raw: Buffer;
      try {
        raw = await readRawBody(req, limit);
      } catch (err) {
        if (err instanceof BodyError) send(res, err.status, err.code);
        else send(res, 400, 'bad_request'); // the client aborted or sent a broken stream
        return;
      }
      const input: HmacAuthInput = { method: req.method ?? 'GET', path: req.originalUrl ?? req.url ?? '/', headers: req.headers, body: raw };
      let result: R;
      try {
        result = await verifier(input, req);
      } catch (err) {
        let reason: FailureReason;
        try {
          reason = classify(err);
        } catch (classifyFailure) {
          packageReporter.report('the classify option of hmacAuth', 'the request is answered as internal_error', classifyFailure);
          reason = 'internal_error';
        }
        fail(res, reason);
        return;
      }
      if (isAccepted && !isAccepted(result)) {
        fail(res, rejectedReason);
        return;
      }
      req.rawBody = raw;
      if (req.body === undefined || req.body === null || isEmptyObject(req.body)) req.body = raw;
      req.hmac = result;
      next();
    })().catch(next);
  };
}

function isEmptyObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Buffer.isBuffer(value) && Object.keys(value).length === 0;
}
