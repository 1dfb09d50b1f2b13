/**
 * The signed-push nonce cache, kept on disk so that a push captured and replayed after a restart
 * is still refused as a replay. Each accepted nonce is appended to `STATE_DIR/push-nonces.log`
 * (`<unix ms> <keyId:nonce>` per line) before the push is applied, with the same guarantee as the
 * push log (written before the answer, no fsync per request: a SIGKILL loses none, a power loss
 * can lose the last moments). At start the entries younger than the TTL (twice the verifier's
 * timestamp window: older signatures are refused for their timestamp anyway) are loaded, lines
 * that do not parse are skipped (counted in `skippedLines`), and the file is rewritten with only
 * the live ones; it is rewritten the same way every `COMPACT_EVERY` appends.
 *
 * Bounded per key: each key ID holds at most `maxPerKey` live nonces. A full key is refused
 * (`add` returns false) rather than a live nonce evicted: eviction would reopen a replay, and a
 * shared bound would let one credential flush another key's nonces. A failed write throws
 * `StorageError` and leaves the file as it was (a partial line is cut off).
 */
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { storageError } from './storage-error.js';

const COMPACT_EVERY = 10_000;
const LINE = /^(\d{1,15}) ([^\s:]{1,128}):(\S{1,300})$/;

export class NonceStore {
  /** key ID → (nonce → time added, ms); insertion order is time order. */
  private readonly keys = new Map<string, Map<string, number>>();
  private fd: number;
  /** Bytes of whole lines in the file: a failed append is cut back to this. */
  private size = 0;
  private appends = 0;
  /** Lines of the file that did not parse at start (e.g. cut by a crash mid-write). */
  readonly skippedLines: number = 0;

  constructor(
    private readonly file: string,
    private readonly ttlMs: number,
    private readonly clock: () => number = Date.now,
    private readonly maxPerKey = 100_000,
  ) {
    if (existsSync(file)) {
      const since = clock() - ttlMs;
      let skipped = 0;
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        if (line === '') continue;
        const m = LINE.exec(line);
        if (!m) skipped++;
        else if (Number(m[1]) > since) this.remember(m[2]!, m[3]!, Number(m[1]));
      }
      this.skippedLines = skipped;
    }
    this.fd = this.rewrite();
  }

  has(keyId: string, nonce: string): boolean {
    const nonces = this.keys.get(keyId);
    if (!nonces) return false;
    this.purge(nonces);
    return nonces.has(nonce);
  }

  /** True when the key holds `maxPerKey` live nonces: its next signed push cannot be remembered. */
  full(keyId: string): boolean {
    const nonces = this.keys.get(keyId);
    if (!nonces) return false;
    this.purge(nonces);
    return nonces.size >= this.maxPerKey;
  }

  /**
   * Remembers the nonce, on disk before it returns. False (nothing written) when the key is full;
   * throws `StorageError` when the write fails.
   */
  add(keyId: string, nonce: string): boolean {
    if (this.full(keyId)) return false;
    const now = this.clock();
    this.append(Buffer.from(`${now} ${keyId}:${nonce}\n`));
    this.remember(keyId, nonce, now);
    if (++this.appends >= COMPACT_EVERY) this.compact();
    return true;
  }

  close(): void {
    closeSync(this.fd);
  }

  /** Writes one line whole or not at all: after a failed or short write the file is cut back. */
  private append(line: Buffer): void {
    let written = 0;
    try {
      // At an explicit position: after a cut-back write the file position would be past the end.
      written = writeSync(this.fd, line, 0, line.length, this.size);
      if (written !== line.length) throw Object.assign(new Error('short write'), { code: 'ENOSPC' });
    } catch (err) {
      try {
        ftruncateSync(this.fd, this.size);
      } catch {
        // Cut back at the next successful compaction (a partial line is skipped at start anyway).
      }
      throw storageError(`writing ${this.file}`, err);
    }
    this.size += written;
  }

  /** Rewrites the file with the live nonces; on failure keeps appending to the old one. */
  private compact(): void {
    this.appends = 0;
    let fd: number;
    try {
      fd = this.rewrite();
    } catch {
      return; // the old file is intact and still open; tried again COMPACT_EVERY appends later
    }
    closeSync(this.fd);
    this.fd = fd;
  }

  private remember(keyId: string, nonce: string, at: number): void {
    let nonces = this.keys.get(keyId);
    if (!nonces) this.keys.set(keyId, (nonces = new Map()));
    nonces.delete(nonce);
    nonces.set(nonce, at);
  }

  private purge(nonces: Map<string, number>): void {
    const since = this.clock() - this.ttlMs;
    for (const [nonce, at] of nonces) {
      if (at > since) break;
      nonces.delete(nonce);
    }
  }

  /** Writes the live entries to a new file, swaps it in, and returns it open for appending. */
  private rewrite(): number {
    const tmp = `${this.file}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      const parts: string[] = [];
      for (const [keyId, nonces] of this.keys) {
        this.purge(nonces);
        if (nonces.size === 0) this.keys.delete(keyId);
        for (const [nonce, at] of nonces) parts.push(`${at} ${keyId}:${nonce}\n`);
      }
      const text = Buffer.from(parts.join(''));
      if (writeSync(fd, text) !== text.length) throw Object.assign(new Error('short write'), { code: 'ENOSPC' });
      fsyncSync(fd);
      renameSync(tmp, this.file);
      this.size = fstatSync(fd).size;
      return fd;
    } catch (err) {
      closeSync(fd);
      throw storageError(`writing ${tmp}`, err);
    }
  }
}
