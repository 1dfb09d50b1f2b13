/**
 * Turns a claimed key ID into a bounded `hmac.key_id` label.
 *
 * A key ID arrives in a request header, so an attacker chooses it. It becomes a label only when the
 * application vouches for it: it was declared (`knownKeyIds` or a key ring), or — when nothing is
 * declared — a verification with it succeeded (an attacker cannot forge that without the secret).
 * Anything else is `unknown`. Past `cap` distinct labels, new ones become `other`. Unknown claims are
 * never stored, so a flood of forged IDs costs neither series nor memory.
 */
import { DEFAULT_KEY_ID_CAP, KEY_ID_OTHER, KEY_ID_UNKNOWN } from '../contract.js';
import type { KeyRingLike } from '../key-ring.js';
import { ProblemReporter } from './report.js';

export type KnownKeyIds = Iterable<string> | (() => Iterable<string>);

export interface KeyIdLimiterOptions {
  /** Key IDs the application declares; a function is re-read when an unseen ID shows up (at most once a second). */
  knownKeyIds?: KnownKeyIds;
  /** Alternatively, a key ring whose keys (any status) are the declared IDs. */
  keyRing?: KeyRingLike;
  /** Most distinct key-ID labels; later ones become `other`. Default 256. */
  keyIdCap?: number;
}

/** How often a function/key-ring declaration is re-read when an undeclared ID is claimed. */
const REFRESH_INTERVAL_MS = 1000;

export class KeyIdLimiter {
  readonly cap: number;
  /** claimed ID → label, for every ID that has earned a label (declared or verified). */
  private readonly labels = new Map<string, string>();
  private readonly source: (() => Iterable<string>) | undefined;
  /** True when the application declared its keys; then success teaches nothing. */
  readonly declared: boolean;
  private lastRefresh = -Infinity;
  private readonly reporter = new ProblemReporter();

  constructor(options: KeyIdLimiterOptions = {}) {
    const cap = options.keyIdCap ?? DEFAULT_KEY_ID_CAP;
    if (!Number.isInteger(cap) || cap < 0) throw new RangeError(`keyIdCap must be a non-negative integer, got ${String(cap)}`);
    this.cap = cap;
    const { knownKeyIds, keyRing } = options;
    if (knownKeyIds !== undefined && keyRing !== undefined) {
      throw new TypeError('pass either knownKeyIds or keyRing, not both');
    }
    if (typeof knownKeyIds === 'function') this.source = knownKeyIds;
    else if (keyRing !== undefined) this.source = () => keyIdsOf(keyRing);
    else if (knownKeyIds !== undefined) {
      const fixed = [...knownKeyIds];
      this.source = () => fixed;
    }
    this.declared = this.source !== undefined;
    if (this.source) this.refresh(-Infinity);
  }

  /**
   * The label for `claimed`. `verified` says the call succeeded with this key; in learning mode (nothing
   * declared) that is what earns the ID a label. `nowMs` is any monotonic clock in milliseconds.
   */
  label(claimed: string | undefined, verified: boolean, nowMs: number): string {
    if (claimed === undefined) return KEY_ID_UNKNOWN;
    const known = this.labels.get(claimed);
    if (known !== undefined) return known;
    if (this.declared) {
      // A declaration read through a function or key ring may have grown since the last read.
      if (nowMs - this.lastRefresh >= REFRESH_INTERVAL_MS) {
        this.refresh(nowMs);
        return this.labels.get(claimed) ?? KEY_ID_UNKNOWN;
      }
      return KEY_ID_UNKNOWN;
    }
    if (!verified) return KEY_ID_UNKNOWN;
    return this.admit(claimed);
  }

  /** Number of distinct key-ID labels handed out (excluding `unknown`/`other`). */
  get size(): number {
    return this.admitted;
  }
  private admitted = 0;

  private admit(id: string): string {
    // Once the cap is reached, newly earned IDs share `other`; remembering them keeps the map
    // bounded too: at most `cap` real labels plus IDs that earned `other` — which took a valid
    // signature (learning mode) or a declaration (declared mode) each, not a forged header.
    const label = this.admitted < this.cap ? id : KEY_ID_OTHER;
    if (label === id) this.admitted++;
    this.labels.set(id, label);
    return label;
  }

  private refresh(nowMs: number): void {
    this.lastRefresh = nowMs;
    if (!this.source) return;
    let ids: Iterable<string>;
    try {
      ids = this.source();
    } catch (err) {
      // A failing declaration must never break verification; keep the last good one.
      this.reporter.report('reading the declared key IDs (knownKeyIds or keyRing)', 'the last good declaration stays in use', err);
      return;
    }
    for (const id of ids) {
      if (typeof id === 'string' && !this.labels.has(id)) this.admit(id);
    }
  }
}

function* keyIdsOf(ring: KeyRingLike): Iterable<string> {
  for (const key of ring.keys()) yield key.id;
}
