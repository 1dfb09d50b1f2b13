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
