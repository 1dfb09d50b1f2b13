/**
 * Failed `hmac.*` spans → `FailedSpan` records for the failure log. Only spans with status ERROR
 * count; the client ID is kept only as a fingerprint (first 12 hex of SHA-256), never raw.
 */
import { createHash } from 'node:crypto';
import { ATTR, FINGERPRINT_HEX_LENGTH } from '@hmac-slo/instrumentation/contract';
import type { FailedSpan } from './model.js';
import type { Span } from './otlp/types.js';
import { jobOf } from './aggregate/aggregator.js';

export const STATUS_ERROR = 2;

export function fingerprint(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, FINGERPRINT_HEX_LENGTH);
}

export function failedSpanOf(span: Span): FailedSpan | undefined {
  if (!span.name.startsWith('hmac.') || span.statusCode !== STATUS_ERROR) return undefined;
  const a = span.attributes;
  const client = a[ATTR.clientId];
  return {
    timeUnixMs: span.endUnixMs || span.startUnixMs,
    job: jobOf(span.resource),
    name: span.name,
    ...(a[ATTR.scheme] ? { scheme: a[ATTR.scheme] } : {}),
    keyId: a[ATTR.keyId] || 'unknown',
    reason: a[ATTR.errorType] || 'internal_error',
    outcome: a[ATTR.outcome] || 'error',
    ...(client ? { clientFingerprint: fingerprint(client) } : {}),
    traceId: span.traceId,
    spanId: span.spanId,
  };
}
