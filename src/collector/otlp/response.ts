/** OTLP/HTTP responses: the Export*ServiceResponse in the request's encoding, and error bodies. */
import { MetricsResponse, TraceResponse } from './proto.js';
import type { Encoding } from './body.js';

export interface Encoded {
  readonly contentType: string;
  readonly body: Buffer | string;
}

/** `rejected` > 0 fills `partial_success`; otherwise the empty (full success) response. */
const EMPTY_PROTOBUF = {
  metrics: Buffer.from(MetricsResponse.encode(MetricsResponse.create({})).finish()),
  traces: Buffer.from(TraceResponse.encode(TraceResponse.create({})).finish()),
};

export function exportResponse(signal: 'metrics' | 'traces', encoding: Encoding, rejected: number, message: string): Encoded {
  if (rejected === 0 && message === '') {
    return encoding === 'json' ? { contentType: 'application/json', body: '{}' } : { contentType: 'application/x-protobuf', body: EMPTY_PROTOBUF[signal] };
  }
  const countField = signal === 'metrics' ? 'rejectedDataPoints' : 'rejectedSpans';
  const partial = rejected > 0 || message !== '' ? { partialSuccess: { [countField]: rejected, errorMessage: message } } : {};
  if (encoding === 'json') {
    // OTLP/JSON writes int64 as a decimal string.
    const json = rejected > 0 || message !== '' ? { partialSuccess: { [countField]: String(rejected), errorMessage: message } } : {};
    return { contentType: 'application/json', body: JSON.stringify(json) };
  }
  const type = signal === 'metrics' ? MetricsResponse : TraceResponse;
  return { contentType: 'application/x-protobuf', body: Buffer.from(type.encode(type.fromObject(partial)).finish()) };
}

/**
 * An error body. OTLP/HTTP asks for a protobuf `google.rpc.Status` for protobuf requests; field 2
 * is `message`, which is all we fill, so it is written by hand here.
 */
export function errorResponse(encoding: Encoding | undefined, code: number, message: string): Encoded {
  if (encoding === 'protobuf') {
    const msg = Buffer.from(message, 'utf8');
    const head: number[] = [0x08, ...varint(code), 0x12, ...varint(msg.length)];
    return { contentType: 'application/x-protobuf', body: Buffer.concat([Buffer.from(head), msg]) };
  }
  return { contentType: 'application/json', body: JSON.stringify({ code, message }) };
}

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n >>> 0;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return out;
}
