/**
 * Blast radius: how many distinct clients a verifier saw over a sliding window, how many of them
 * failed, and how many distinct clients verified successfully with each key. Read at collection time
 * as `hmac.auth.clients` {scheme, state=active|failing} and `hmac.key.clients` {key ID}.
 *
 * Only wrappers given a `clientId` option feed it (nothing runs on the path of those that do not).
 * Client IDs are fingerprinted (keyed SHA-256) with a per-process random key before they are stored: the raw
 * value is never kept, and a fingerprint is useless outside this process. Nothing per-client leaves
 * the process, only counts.
 *
 * Memory is bounded: at most `maxClients` (fingerprint) entries per table. Entries live in a Map kept
 * in last-seen order (a touch moves the entry to the end, at most once per 1/16 window), so expired
 * entries are dropped from the front in O(expired). When a table is full of live entries (a flood of forged client IDs) a new
 * client is not tracked but counted in `untracked`, and reported once through `diag`: the gauges are
 * then lower bounds.
 */
import * as crypto from 'node:crypto';
import { ATTR, KEY_ID_UNKNOWN } from '../contract.js';
import type { Hub } from './hub.js';
import { ProblemReporter } from './report.js';

export const DEFAULT_CLIENT_WINDOW_MS = 5 * 60_000;
export const DEFAULT_MAX_CLIENTS = 10_000;
/** Most failing clients that failures without a client ID can stand for (bounded, above any sane `minFailingClients`). */
export const UNIDENTIFIED_SLOTS = 64;

export interface ClientWindowOptions {
  /** Sliding window in milliseconds. Default 5 minutes. */
  readonly windowMs?: number;
  /** Most clients (and most key/client pairs) held at once. Default 10 000. */
  readonly maxClients?: number;
}

interface ClientEntry {
  seenMs: number;
  movedMs: number;
  failedMs: number;
}

/** One process-wide random key: fingerprints of one client agree across wrappers, never across processes. */
const FINGERPRINT_KEY = crypto.randomBytes(32).toString('hex');

/** Node ≥ 20.12's one-shot `crypto.hash` is ~3× cheaper than a Hash object (this runs per call). */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'base64url') => string }).hash;

/**
 * Keyed SHA-256 of the client ID (random secret prefix): in memory only, never exported, so a
 * dictionary of likely client IDs cannot be matched against it even in a heap dump.
 */
export function clientFingerprint(clientId: string): string {
  const digest = oneShot !== undefined
    ? oneShot('sha256', FINGERPRINT_KEY + clientId, 'base64url')
    : crypto.createHash('sha256').update(FINGERPRINT_KEY).update(clientId).digest('base64url');
  return digest.slice(0, 16);
}

/**
 * A Map kept in (roughly) last-seen order, with a cap. Moving an entry to the end costs two Map
 * operations, so a busy client is moved at most once per 1/16 of the window (`movedMs`); the order is
 * then off by at most that much, which only delays pruning, never a count (counts check `seenMs`).
 */
class RecentTable<V extends { seenMs: number; movedMs: number }> {
  readonly entries = new Map<string, V>();
  private readonly moveEveryMs: number;
  constructor(private readonly cap: number, private readonly windowMs: number) {
    this.moveEveryMs = windowMs / 16;
  }

  touch(key: string, nowMs: number, make: () => V): V | undefined {
    let entry = this.entries.get(key);
    if (entry === undefined) {
      if (this.entries.size >= this.cap) this.prune(nowMs);
      if (this.entries.size >= this.cap) return undefined;
      this.entries.set(key, (entry = make()));
      entry.movedMs = nowMs;
    } else if (nowMs - entry.movedMs > this.moveEveryMs) {
      this.entries.delete(key);
      this.entries.set(key, entry);
      entry.movedMs = nowMs;
    }
    entry.seenMs = nowMs;
    return entry;
  }

  /** Drop entries not seen within the window: they are at the front, up to the move slack. */
  prune(nowMs: number): void {
    const cutoff = nowMs - this.windowMs;
    for (const [key, entry] of this.entries) {
      if (entry.movedMs >= cutoff) break;
      if (entry.seenMs < cutoff) this.entries.delete(key);
    }
  }
}

export class ClientWindow {
  readonly windowMs: number;
  readonly maxClients: number;
  /** `scheme\0fingerprint` → last seen / last failed. */
  private readonly clients: RecentTable<ClientEntry>;
  /** `keyId\0fingerprint` → last successful verification with that key. */
  private readonly keyClients: RecentTable<{ seenMs: number; movedMs: number }>;
  /** Failed calls without a client ID so far (they take the UNIDENTIFIED_SLOTS slots in turn). */
  private unidentifiedFailures = 0;
  /** Calls whose client could not be tracked because a table was full. */
  untracked = 0;
  private readonly reporter = new ProblemReporter();

  constructor(options: ClientWindowOptions = {}) {
    this.windowMs = positive(options.windowMs ?? DEFAULT_CLIENT_WINDOW_MS, 'clientWindowMs');
    this.maxClients = positive(options.maxClients ?? DEFAULT_MAX_CLIENTS, 'maxClients');
    this.clients = new RecentTable(this.maxClients, this.windowMs);
    this.keyClients = new RecentTable(this.maxClients, this.windowMs);
  }

  /**
   * One decided call: `keyId` is the recorded key label ('' or `unknown`: none), `failed` any failure
   * reason, `clientId` undefined when the option gave none for this call.
   */
  record(scheme: string, clientId: string | undefined, keyId: string, failed: boolean, nowMs: number): void {
    if (clientId === undefined) {
      if (failed) this.recordUnidentifiedFailure(scheme, nowMs);
      return;
    }
    const fp = clientFingerprint(clientId);
    const client = this.clients.touch(`${scheme}\u0000${fp}`, nowMs, () => ({ seenMs: nowMs, movedMs: nowMs, failedMs: -Infinity }));
    if (client === undefined) this.overflow();
    else if (failed) client.failedMs = nowMs;
    if (!failed && keyId !== '' && keyId !== KEY_ID_UNKNOWN && this.keyClients.touch(`${keyId}\u0000${fp}`, nowMs, () => ({ seenMs: nowMs, movedMs: nowMs })) === undefined) {
      this.overflow();
    }
  }

  /**
   * A failure no client can be named for could come from anybody (a proxy stripping the client header
   * for everyone): it counts as a failing client of its own, in one of UNIDENTIFIED_SLOTS slots taken
   * in turn, so such failures page as they did before the split instead of hiding behind the one
   * identified failing client. `~` is outside the fingerprints' base64url alphabet: no collision.
   */
  private recordUnidentifiedFailure(scheme: string, nowMs: number): void {
    const slot = this.unidentifiedFailures++ % UNIDENTIFIED_SLOTS;
    const entry = this.clients.touch(`${scheme}\u0000~${slot}`, nowMs, () => ({ seenMs: nowMs, movedMs: nowMs, failedMs: nowMs }));
    if (entry === undefined) this.overflow();
    else entry.failedMs = nowMs;
  }

  private overflow(): void {
    // Reported once: a flood must not pay for building a message (or an error's stack) per call.
    if (this.untracked++ > 0) return;
    this.reporter.report(
      `the client window (cap ${this.maxClients} clients)`,
      'further clients are not counted until older ones leave the window; hmac.auth.clients and hmac.key.clients are lower bounds meanwhile',
      new RangeError('full'),
    );
  }

  /** Distinct clients per scheme (active, failing) and per key ID, over the window ending at `nowMs`. */
  counts(nowMs: number): { schemes: Map<string, { active: number; failing: number }>; keys: Map<string, number> } {
    this.clients.prune(nowMs);
    this.keyClients.prune(nowMs);
    const cutoff = nowMs - this.windowMs;
    const schemes = new Map<string, { active: number; failing: number }>();
    for (const [key, entry] of this.clients.entries) {
      if (entry.seenMs < cutoff) continue;
      const scheme = key.slice(0, key.indexOf('\u0000'));
      let c = schemes.get(scheme);
      if (c === undefined) schemes.set(scheme, (c = { active: 0, failing: 0 }));
      c.active++;
      if (entry.failedMs >= cutoff) c.failing++;
    }
    const keys = new Map<string, number>();
    for (const [key, entry] of this.keyClients.entries) {
      if (entry.seenMs < cutoff) continue;
      const keyId = key.slice(0, key.indexOf('\u0000'));
      keys.set(keyId, (keys.get(keyId) ?? 0) + 1);
    }
    return { schemes, keys };
  }

  /** Entries held (for tests of the memory bound). */
  size(): number {
    return this.clients.entries.size + this.keyClients.entries.size;
  }

  /** Report the counts through the hub's gauges. Schemes and keys seen once keep reporting (0 when idle). */
  attach(hub: Hub): () => void {
    const schemesSeen = new Set<string>();
    const keysSeen = new Set<string>();
    return hub.addGaugeSource((observe) => {
      const { schemes, keys } = this.counts(performance.now());
      for (const s of schemes.keys()) schemesSeen.add(s);
      for (const k of keys.keys()) keysSeen.add(k);
      for (const scheme of schemesSeen) {
        const c = schemes.get(scheme) ?? { active: 0, failing: 0 };
        observe('authClients', c.active, { [ATTR.scheme]: scheme, [ATTR.clientState]: 'active' });
        observe('authClients', c.failing, { [ATTR.scheme]: scheme, [ATTR.clientState]: 'failing' });
      }
      for (const keyId of keysSeen) observe('keyClients', keys.get(keyId) ?? 0, { [ATTR.keyId]: keyId });
    });
  }
}

function positive(value: number, what: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`${what} must be a positive number, got ${value}`);
  return value;
}

/** One window per (hub, window length, cap): wrappers of one provider share it, so a client seen by two is one. */
const windows = new WeakMap<Hub, Map<string, ClientWindow>>();

export function clientWindowFor(hub: Hub, options: ClientWindowOptions): ClientWindow {
  let byShape = windows.get(hub);
  if (byShape === undefined) windows.set(hub, (byShape = new Map()));
  const probe = new ClientWindow(options);
  const shape = `${probe.windowMs}/${probe.maxClients}`;
  const existing = byShape.get(shape);
  if (existing !== undefined) return existing;
  byShape.set(shape, probe);
  probe.attach(hub);
  return probe;
}
