/**
 * Turning an OTLP/HTTP request into decoded objects: content type, size limits (on the bytes
 * received and again after gunzip, so a small gzip bomb is refused), JSON nesting depth, protobuf.
 * Every refusal is a `DecodeError` carrying the HTTP status and a message naming the problem.
 */
import type { IncomingMessage } from 'node:http';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { DecodeError, normalizeMetrics } from './normalize.js';
import { MetricsRequest, TraceRequest } from './proto.js';
import type { ResourceMetrics } from './types.js';
import { readMetricsRequest } from './wire.js';

const gunzipAsync = promisify(gunzip);

export type Encoding = 'protobuf' | 'json';

export interface BodyLimits {
  readonly maxBodyBytes: number;
  readonly maxJsonDepth: number;
}

export function requestEncoding(req: IncomingMessage): Encoding {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  throw new DecodeError(
    `unsupported content type ${JSON.stringify(type || '(none)')}: send application/x-protobuf or application/json`,
    415,
    'content_type',
  );
}

/** Reads the whole body, refusing (413) as soon as it exceeds the limit; gunzips it when asked. */
export async function readBody(req: IncomingMessage, limits: BodyLimits): Promise<Buffer> {
  const max = limits.maxBodyBytes;
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) {
    throw new DecodeError(`body of ${declared} bytes exceeds the limit of ${max} bytes`, 413, 'too_large');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  // Event listeners rather than `for await`: leaving that loop early destroys the request, and the
  // 413 could no longer be answered. Here the rest of the body is left unread instead.
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        cleanup();
        req.pause();
        reject(new DecodeError(`body exceeds the limit of ${max} bytes`, 413, 'too_large'));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve();
    };
    const onError = (err: Error) => {
      cleanup();
      reject(new DecodeError(`reading the body failed: ${err.message}`, 400, 'malformed'));
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
  const raw = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
  if (encoding === 'identity' || encoding === '') return raw;
  if (encoding !== 'gzip') throw new DecodeError(`unsupported content encoding ${JSON.stringify(encoding)}: use gzip or none`, 415, 'content_encoding');
  try {
    return await gunzipAsync(raw, { maxOutputLength: max });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw new DecodeError(`decompressed body exceeds the limit of ${max} bytes`, 413, 'too_large');
    }
    throw new DecodeError(`body is not valid gzip: ${(err as Error).message}`, 400, 'malformed');
  }
}

/**
 * Deepest nesting of objects/arrays in a JSON text, without parsing it: refuses deep input before
 * `JSON.parse` could spend time (or stack) on it.
 */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > max) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}

export function parseJson(body: Buffer, limits: BodyLimits): unknown {
  const text = body.toString('utf8');
  if (jsonDepthExceeds(text, limits.maxJsonDepth)) {
    throw new DecodeError(`JSON nested deeper than ${limits.maxJsonDepth} levels`, 400, 'too_deep');
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new DecodeError(`malformed JSON: ${(err as Error).message}`, 400, 'malformed');
  }
}

function parseProto(body: Buffer, type: typeof MetricsRequest, what: string): unknown {
  try {
    // The decoded message is read as is (no toObject copy): the normaliser reads own fields only.
    return type.decode(body);
  } catch (err) {
    throw new DecodeError(`malformed protobuf ${what}: ${(err as Error).message}`, 400, 'malformed');
  }
}

export function decodeMetricsBody(body: Buffer, encoding: Encoding, limits: BodyLimits): unknown {
  return encoding === 'json' ? parseJson(body, limits) : parseProto(body, MetricsRequest, 'ExportMetricsServiceRequest');
}

/**
 * A metrics request body, decoded and normalised. Protobuf bodies go through the single-pass wire
 * reader; whatever it leaves (see wire.ts), errors included, through protobufjs + `normalizeMetrics`,
 * which gives the same result for everything the wire reader accepts.
 */
export function decodeMetrics(body: Buffer, encoding: Encoding, limits: BodyLimits): ResourceMetrics[] {
  if (encoding === 'json') return normalizeMetrics(parseJson(body, limits));
  return readMetricsRequest(body) ?? normalizeMetrics(parseProto(body, MetricsRequest, 'ExportMetricsServiceRequest'));
}

export function decodeTraceBody(body: Buffer, encoding: Encoding, limits: BodyLimits): unknown {
  return encoding === 'json' ? parseJson(body, limits) : parseProto(body, TraceRequest, 'ExportTraceServiceRequest');
}
