/** What the wrappers need from a key ring: the declared keys, their status and age. */
import type { KeyStatus } from './contract.js';

export interface KeyRingEntry {
  readonly id: string;
  readonly status: KeyStatus;
  /** When the key was created (Date or epoch milliseconds); feeds `hmac.key.age`. */
  readonly createdAt: Date | number;
}

export interface KeyRingLike {
  /** Every declared key, including retiring and revoked ones. */
  keys(): Iterable<KeyRingEntry>;
}
