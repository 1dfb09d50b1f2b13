/**
 * Which streams a forgotten pusher had readings for, kept as a sorted set of 32-bit hashes of their
 * series keys (4 bytes a stream, at most MAX_FORGOTTEN_STREAMS per pusher). When the pusher comes
 * back, only a stream in this set whose start time is before the forget may be taken as a baseline
 * (already counted); any other stream is new and counts in full.
 *
 * Trade-offs, both towards counting less rather than twice: a hash collision makes one new
 * stream's first reading a baseline; a pusher with more streams than the cap is remembered as
 * "every stream" (`null`: each stream that started before the forget is a baseline).
 */

/** Streams remembered per forgotten pusher; beyond it the pusher is remembered as "every stream". */
export const MAX_FORGOTTEN_STREAMS = 4096;

/** `null`: every stream of the pusher that started before the forget (too many to list, or an old snapshot). */
export type ForgottenStreams = Uint32Array | null;

/** FNV-1a over the key's UTF-16 code units: cheap, stable across versions and processes. */
export function streamHash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * The set for a pusher being forgotten: the streams it has readings for, plus those it was still
 * remembered for from an earlier forget (counted then, maybe not sent since).
 */
export function forgottenStreamsOf(keys: Iterable<string>, earlier: ForgottenStreams | undefined): ForgottenStreams {
  if (earlier === null) return null;
  const hashes = new Set<number>(earlier ?? []);
  for (const key of keys) {
    hashes.add(streamHash(key));
    if (hashes.size > MAX_FORGOTTEN_STREAMS) return null;
  }
  return Uint32Array.from(hashes).sort();
}

export function wasForgotten(set: ForgottenStreams, key: string): boolean {
  if (set === null) return true;
  const h = streamHash(key);
  let lo = 0;
  let hi = set.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = set[mid]!;
    if (v === h) return true;
    if (v < h) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** Persisted form: the hashes, or `null` for "every stream". */
export function forgottenStreamsToJSON(set: ForgottenStreams): number[] | null {
  return set === null ? null : [...set];
}

/** From `forgottenStreamsToJSON`; a missing entry (a snapshot from before this existed) means "every stream". */
export function forgottenStreamsFromJSON(json: unknown): ForgottenStreams {
  if (json === undefined || json === null) return null;
  if (!Array.isArray(json) || json.length > MAX_FORGOTTEN_STREAMS || !json.every((h) => Number.isInteger(h) && h >= 0 && h <= 0xffffffff)) {
    throw new Error('bad forgotten-stream hashes');
  }
  return Uint32Array.from(json as number[]).sort();
}
