/**
 * A key ring for the reference scheme: several active keys at once (the rotation window), retiring
 * keys (still verified, no longer used to sign), revoked keys (rejected with `revoked_key`).
 *
 * Implements `KeyRingLike`: `keys()` lists IDs, statuses and creation times only — secrets stay
 * inside the ring and are handed out only through `lookup(id)` to the verifier.
 */
import { KEY_STATUSES, type KeyStatus } from '../contract.js';
import { KEY_OWNER_PATTERN, type KeyRingEntry, type KeyRingLike } from '../key-ring.js';

export interface KeyDefinition {
  id: string;
  /** Raw key bytes, or a string taken as its UTF-8 bytes. Optional for revoked keys. */
  secret?: string | Uint8Array;
  /** Default `active`. */
  status?: KeyStatus;
  /** Default: now. Feeds `hmac.key.age` through `observeKeyRing`. */
  createdAt?: Date | number;
  /** The owning team (KEY_OWNER_PATTERN): `hmac.key.owner` through `observeKeyRing`, which key alerts are routed by. */
  owner?: string;
}

/** What the verifier needs for one key ID. */
export interface KeyLookup {
  status: KeyStatus;
  /** Absent for a revoked key whose secret was dropped. */
  secret?: Uint8Array;
}

/** Anything the reference verifier can take keys from (a `KeyRing`, or your own store). */
export interface KeySource {
  lookup(id: string): KeyLookup | undefined;
}

export interface KeyRing extends KeyRingLike, KeySource {
  keys(): KeyRingEntry[];
  /** Every declared key ID, for `instrumentVerifier({ knownKeyIds })`. */
  ids(): string[];
  /** IDs of keys a signer may use (status `active`). */
  activeIds(): string[];
  has(id: string): boolean;
  add(key: KeyDefinition): void;
  setStatus(id: string, status: KeyStatus): void;
  retire(id: string): void;
  /** Revokes the key and forgets its secret. */
  revoke(id: string): void;
  remove(id: string): boolean;
}

interface Stored {
  entry: KeyRingEntry;
  secret?: Buffer;
}

const ID = /^[A-Za-z0-9._~-]{1,128}$/;

export function createKeyRing(keys: Iterable<KeyDefinition> = [], options: { clock?: () => number } = {}): KeyRing {
  const clock = options.clock ?? Date.now;
  const store = new Map<string, Stored>();

  function toStored(def: KeyDefinition): Stored {
    if (!ID.test(def.id)) throw new TypeError(`key ID must match ${ID} (it appears in headers and metrics)`);
    const status = def.status ?? 'active';
    if (!KEY_STATUSES.includes(status)) throw new TypeError(`unknown key status: ${String(status)}`);
    if (def.secret === undefined && status !== 'revoked') throw new TypeError(`key ${def.id}: a secret is required`);
    const secret = def.secret === undefined || status === 'revoked' ? undefined : Buffer.from(def.secret as Uint8Array);
    if (secret && secret.length < 16) throw new TypeError(`key ${def.id}: secret shorter than 16 bytes`);
    if (def.owner !== undefined && !KEY_OWNER_PATTERN.test(def.owner)) throw new TypeError(`key ${def.id}: owner must match ${KEY_OWNER_PATTERN}`);
    const entry: KeyRingEntry = Object.freeze({ id: def.id, status, createdAt: def.createdAt ?? clock(), ...(def.owner !== undefined ? { owner: def.owner } : {}) });
    return secret ? { entry, secret } : { entry };
  }

  const ring: KeyRing = {
    keys: () => [...store.values()].map((s) => s.entry),
    ids: () => [...store.keys()],
    activeIds: () => [...store.values()].filter((s) => s.entry.status === 'active').map((s) => s.entry.id),
    has: (id) => store.has(id),
    lookup(id) {
      const s = store.get(id);
      if (!s) return undefined;
      return s.secret ? { status: s.entry.status, secret: s.secret } : { status: s.entry.status };
    },
    add(def) {
      if (store.has(def.id)) throw new TypeError(`key ${def.id} already in the ring`);
      store.set(def.id, toStored(typeof def.secret === 'string' ? { ...def, secret: Buffer.from(def.secret, 'utf8') } : def));
    },
    setStatus(id, status) {
      const s = store.get(id);
      if (!s) throw new TypeError(`no key ${id} in the ring`);
      if (s.entry.status === 'revoked' && status !== 'revoked') throw new TypeError(`key ${id} is revoked for good`);
      store.set(id, toStored({ id, status, createdAt: s.entry.createdAt, ...(s.entry.owner !== undefined ? { owner: s.entry.owner } : {}), ...(s.secret ? { secret: s.secret } : {}) }));
    },
    retire: (id) => ring.setStatus(id, 'retiring'),
    revoke: (id) => ring.setStatus(id, 'revoked'),
    remove: (id) => store.delete(id),
  };
  for (const k of keys) ring.add(k);
  return ring;
}
