/** What the wrappers need from a key ring: the declared keys, their status and age. */
import type { KeyStatus } from './contract.js';
export { KEY_OWNER_PATTERN } from './contract.js';

export interface KeyRingEntry {
  readonly id: string;
  readonly status: KeyStatus;
  /** When the key was created (Date or epoch milliseconds); feeds `hmac.key.age`. */
  readonly createdAt: Date | number;
  /**
   * The team that owns the key (optional; `hmac.key.owner` on `hmac.key.info`, which key alerts
   * are routed by). Must match KEY_OWNER_PATTERN; another value is left out of the metric.
   */
  readonly owner?: string;
}


export interface KeyRingLike {
  /** Every declared key, including retiring and revoked ones. */
  keys(): Iterable<KeyRingEntry>;
}

/**
 * The secrets of a key ring that can hand them out (`lookup(id)`, as the reference `createKeyRing`
 * does), revoked keys excepted: diagnosis tries them to name the key a mismatching request was signed
 * with. Rings that only list IDs yield nothing.
 */
export function* keyRingSecrets(ring: KeyRingLike): Iterable<readonly [id: string, secret: Uint8Array]> {
  const lookup = (ring as { lookup?: unknown }).lookup;
  if (typeof lookup !== 'function') return;
  for (const key of ring.keys()) {
    if (key.status === 'revoked') continue;
    const found = lookup.call(ring, key.id) as { secret?: unknown } | undefined;
    if (found?.secret instanceof Uint8Array) yield [key.id, found.secret];
  }
}
