/**
 * Failure reasons for errors thrown by a KMS / secrets-manager call.
 *
 * An error escaping a KMS operation is a KMS failure by construction, so the fallback is `kms_error`
 * (not `internal_error`). Timeouts, throttling and outages are told apart by the signals the common
 * SDKs use: AWS SDK v3 error names and `$metadata.httpStatusCode`, Google/Azure HTTP status codes,
 * gRPC codes, Node socket error codes and AbortSignal timeouts. An error that already carries a
 * taxonomy reason (HmacAuthError) keeps it.
 */
import type { FailureReason } from '../contract.js';
import { classifyError } from '../classify/index.js';

const TIMEOUT_NAMES = new Set(['TimeoutError', 'AbortError', 'RequestTimeout', 'RequestTimeoutException']);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'DEADLINE_EXCEEDED', 4]);
const THROTTLE_NAMES = new Set(['ThrottlingException', 'TooManyRequestsException', 'LimitExceededException', 'RequestLimitExceeded', 'SlowDown']);
const THROTTLE_CODES = new Set(['RESOURCE_EXHAUSTED', 8, 'ThrottlingException', 'TooManyRequests']);
const UNAVAILABLE_NAMES = new Set(['ServiceUnavailableException', 'KMSInternalException', 'InternalFailure', 'ServiceUnavailable']);
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'UNAVAILABLE', 14]);

export function classifyKmsError(error: unknown): FailureReason {
  const known = classifyError(error);
  if (known !== 'internal_error') return known;
  if (typeof error !== 'object' || error === null) return 'kms_error';
  const e = error as { name?: unknown; code?: unknown; status?: unknown; statusCode?: unknown; $metadata?: { httpStatusCode?: unknown } };
  const name = typeof e.name === 'string' ? e.name : '';
  const status = Number(e.$metadata?.httpStatusCode ?? e.statusCode ?? e.status);
  if (TIMEOUT_NAMES.has(name) || TIMEOUT_CODES.has(e.code as string) || status === 408 || status === 504) return 'kms_timeout';
  if (THROTTLE_NAMES.has(name) || THROTTLE_CODES.has(e.code as string) || status === 429) return 'kms_throttled';
  if (UNAVAILABLE_NAMES.has(name) || UNAVAILABLE_CODES.has(e.code as string) || status === 503 || status === 502) return 'kms_unavailable';
  return 'kms_error';
}
