/** Options every wrapper shares. */
import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import type { FailureReason } from '../contract.js';
import type { KeyRingLike } from '../key-ring.js';
import type { KnownKeyIds } from '../telemetry/key-id-limiter.js';

export interface ProviderOptions {
  /** Default: the global meter provider from `@opentelemetry/api` (followed if installed later). */
  meterProvider?: MeterProvider;
  /** Default: the global tracer provider from `@opentelemetry/api`. */
  tracerProvider?: TracerProvider;
}

export interface KeyIdOptions<A extends unknown[]> {
  /** Extracts the claimed key ID from the call's arguments (e.g. a header). */
  keyId?: (...args: A) => string | undefined | null;
  /** Key IDs the application declares; others are recorded as `unknown`. */
  knownKeyIds?: KnownKeyIds;
  /** Alternatively, a key ring: its keys (any status) are the declared IDs. */
  keyRing?: KeyRingLike;
  /** Most distinct key-ID labels; later ones become `other`. Default 256. */
  keyIdCap?: number;
}

export interface ErrorOptions {
  /** Maps a thrown error to a failure reason. Default: the package's `classifyError`. */
  classify?: (error: unknown) => FailureReason;
  /** Put the error's message on the span (status message + exception event). Default false. */
  recordErrorMessages?: boolean;
}

/** A plain token: a scheme name, or a key ID fit to become a label. */
export function isToken(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_.:\-/]{1,64}$/.test(value);
}

/** Scheme names come from code, never from a request: reject anything that is not a plain token. */
export function checkToken(value: unknown, what: string): string {
  if (!isToken(value)) {
    throw new TypeError(`${what} must be a short token ([A-Za-z0-9_.:-/], 1-64 chars), got ${JSON.stringify(value)}`);
  }
  return value;
}
