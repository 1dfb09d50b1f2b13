/**
 * The payments-api's key store: HMAC secrets kept wrapped (encrypted) under a KMS master key and
 * unwrapped on demand through `kms.decrypt`, with a short cache — the usual envelope-encryption set-up,
 * and the one through which a KMS incident turns into failed verifications.
 *
 * It is a key source for the reference verifier (`lookup(id)`, synchronous, from the cache) and a
 * `KeyRingLike` for the instrumentation (`keys()`: IDs, statuses, creation times — never secrets).
 * Before the verifier runs, `needsFetch(id)` / `load(id)` bring a key into the cache. Reads go through
 * `instrumentKeyStore` (hmac.keystore.reads) and the decrypt call through `instrumentKms`
 * (hmac.kms.operations / duration). A KMS failure becomes an `HmacAuthError` with the KMS reason,
 * so the verification is counted as `error` with `kms_timeout`, `kms_throttled` or `kms_unavailable`.
 */
import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import {
  classifyKmsError,
  HmacAuthError,
  instrumentKeyStore,
  instrumentKms,
  type KeyLookup,
  type KeyRingEntry,
  type KeyRingLike,
  type KeySource,
  type KeyStatus,
} from '@hmac-slo/instrumentation';
import type { DecryptInput, SimulatedKms } from './kms.js';

interface StoredKey {
  entry: KeyRingEntry;
  /** The secret wrapped under the KMS master key; dropped on revocation. */
  wrapped?: Buffer;
}

interface CachedSecret {
  secret: Buffer;
  expiresAt: number;
}

export interface KmsKeyStoreOptions {
  readonly kms: SimulatedKms;
  /** How long an unwrapped secret stays cached (real milliseconds). */
  readonly cacheTtlMs: () => number;
  /** The KMS client's request timeout. */
  readonly kmsTimeoutMs: number;
  readonly meterProvider: MeterProvider;
  readonly tracerProvider: TracerProvider;
  /** The team owning every key of this store (`hmac.key.owner`: key alerts are routed to it). */
  readonly owner?: string;
}

export class KmsKeyStore implements KeySource, KeyRingLike {
  private readonly stored = new Map<string, StoredKey>();
  private readonly cache = new Map<string, CachedSecret>();
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly read: (id: string) => Promise<Buffer | undefined>;

  constructor(private readonly options: KmsKeyStoreOptions) {
    const decrypt = instrumentKms((input: DecryptInput) => options.kms.decrypt(input), {
      provider: 'simulated-kms',
      operation: 'decrypt',
      meterProvider: options.meterProvider,
      tracerProvider: options.tracerProvider,
    });
    this.read = instrumentKeyStore(
      async (id: string): Promise<Buffer | undefined> => {
        const key = this.stored.get(id);
        if (key?.wrapped === undefined) return undefined;
        try {
          return await decrypt({ CiphertextBlob: key.wrapped, timeoutMs: options.kmsTimeoutMs });
        } catch (err) {
          // Carry the KMS reason to the verifier's classifier; the message names no key material.
          throw new HmacAuthError(classifyKmsError(err), 'key store: KMS decrypt failed', { cause: err });
        }
      },
      { name: 'kms-envelope', keyRing: this, meterProvider: options.meterProvider, tracerProvider: options.tracerProvider },
    );
  }

  /** Adds a key: its secret is wrapped by the KMS right away and never stored in the clear. */
  add(id: string, secret: Uint8Array | undefined, status: KeyStatus, createdAt: number): void {
    const wrapped = status === 'revoked' || secret === undefined ? undefined : this.options.kms.encrypt(secret);
    const owner = this.options.owner;
    this.stored.set(id, { entry: Object.freeze({ id, status, createdAt, ...(owner !== undefined ? { owner } : {}) }), ...(wrapped ? { wrapped } : {}) });
  }

  setStatus(id: string, status: KeyStatus): void {
    const key = this.stored.get(id);
    if (key === undefined) throw new TypeError(`no key ${id}`);
    const entry = Object.freeze({ ...key.entry, status });
    if (status === 'revoked') {
      this.stored.set(id, { entry });
      this.cache.delete(id);
    } else {
      this.stored.set(id, { ...key, entry });
    }
  }

  has(id: string): boolean {
    return this.stored.has(id);
  }

  keys(): KeyRingEntry[] {
    return [...this.stored.values()].map((k) => k.entry);
  }

  lookup(id: string): KeyLookup | undefined {
    const key = this.stored.get(id);
    if (key === undefined) return undefined;
    const cached = this.cache.get(id);
    return cached ? { status: key.entry.status, secret: cached.secret } : { status: key.entry.status };
  }

  /** True when verifying a request that claims `id` needs a KMS round trip first. */
  needsFetch(id: string | undefined, now = Date.now()): id is string {
    if (id === undefined) return false;
    const key = this.stored.get(id);
    if (key?.wrapped === undefined) return false; // unknown or revoked: the verifier rejects without a secret
    const cached = this.cache.get(id);
    return cached === undefined || cached.expiresAt <= now;
  }

  /** Unwraps the key into the cache; concurrent requests for one key share one KMS call. */
  load(id: string): Promise<void> {
    let flight = this.inflight.get(id);
    if (flight === undefined) {
      flight = this.read(id)
        .then((secret) => {
          if (secret !== undefined && this.stored.get(id)?.wrapped !== undefined) {
            this.cache.set(id, { secret, expiresAt: Date.now() + this.options.cacheTtlMs() });
          }
        })
        .finally(() => this.inflight.delete(id));
      this.inflight.set(id, flight);
    }
    return flight;
  }
}
