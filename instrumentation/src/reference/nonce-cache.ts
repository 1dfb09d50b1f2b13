/**
 * In-memory nonce cache with a TTL and a size bound, for replay protection.
 *
 * Offers both shapes `instrumentReplayCache` understands: `check(nonce)` (true = fresh, and
 * remembered) and `has/add`. Entries expire after `ttlSeconds`; keep that at least twice the
 * verifier's timestamp window, because an older request is rejected for its timestamp anyway.
 * When full, the oldest entries go first — size `maxEntries` above peak requests per TTL, or a
 * nonce evicted early could be replayed within its window.
 */

export interface NonceCacheOptions {
  /** Default 600 (twice the default 300 s timestamp window). */
  ttlSeconds?: number;
  /** Default 100,000. */
  maxEntries?: number;
  /** Milliseconds since the epoch; default `Date.now`. */
  clock?: () => number;
}

export interface NonceCache {
  /** True when the nonce was not seen within the TTL; it is then remembered. */
  check(nonce: string): boolean;
  has(nonce: string): boolean;
  add(nonce: string): void;
  readonly size: number;
  clear(): void;
}

export function createNonceCache(options: NonceCacheOptions = {}): NonceCache {
  const ttlMs = (options.ttlSeconds ?? 600) * 1000;
  const maxEntries = options.maxEntries ?? 100_000;
  const clock = options.clock ?? Date.now;
  if (!(ttlMs > 0) || !(maxEntries >= 1)) throw new TypeError('ttlSeconds and maxEntries must be positive');
  // Insertion order is expiry order (one TTL for all), so expired entries sit at the front.
  const expiries = new Map<string, number>();

  function purge(now: number): void {
    for (const [nonce, expiresAt] of expiries) {
      if (expiresAt > now) break;
      expiries.delete(nonce);
    }
  }

  function has(nonce: string): boolean {
    const now = clock();
    purge(now);
    const expiresAt = expiries.get(nonce);
    return expiresAt !== undefined && expiresAt > now;
  }

  function add(nonce: string): void {
    const now = clock();
    purge(now);
    expiries.delete(nonce); // re-adding moves it to the back with a fresh expiry
    while (expiries.size >= maxEntries) {
      const oldest = expiries.keys().next().value as string;
      expiries.delete(oldest);
    }
    expiries.set(nonce, now + ttlMs);
  }

  return {
    check(nonce) {
      if (has(nonce)) return false;
      add(nonce);
      return true;
    },
    has,
    add,
    get size() {
      purge(clock());
      return expiries.size;
    },
    clear: () => expiries.clear(),
  };
}
