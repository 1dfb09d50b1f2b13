/**
 * Failed `hmac.*` spans → `FailedSpan` records for the failure log. Only spans with status ERROR
 * count; the client ID is kept only as a fingerprint, never raw: the first 12 hex of
 * HMAC-SHA256 with the deployment's fingerprint key (fingerprint-key.ts), so a dictionary over
 * likely client IDs cannot reverse it without the key.
 */
import { createHmac } from 'node:crypto';
import { ATTR, FINGERPRINT_HEX_LENGTH } from '@hmac-slo/instrumentation/contract';
import type { FailedSpan } from './model.js';
import type { Span } from './otlp/types.js';
import { jobOf } from './aggregate/aggregator.js';

export const STATUS_ERROR = 2;

export function fingerprint(value: string, key: Buffer): string {
  return createHmac('sha256', key).update(value).digest('hex').slice(0, FINGERPRINT_HEX_LENGTH);
}

export function failedSpanOf(span: Span, fingerprintKey: Buffer): FailedSpan | undefined {
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
    ...(client ? { clientFingerprint: fingerprint(client, fingerprintKey) } : {}),
    traceId: span.traceId,
    spanId: span.spanId,
    // Checked against the contract's closed set by the failure log (sanitizeFailedSpan).
    ...(a[ATTR.failureCause] ? { cause: a[ATTR.failureCause] } : {}),
    ...(a[ATTR.failureCauseKeyId] ? { causeKeyId: a[ATTR.failureCauseKeyId] } : {}),
  };
}
