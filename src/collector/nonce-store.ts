/**
 * The signed-push nonce cache, kept on disk so that a push captured and replayed after a restart
 * is still refused as a replay. Each accepted nonce is appended to `STATE_DIR/push-nonces.log`
 * (`<unix ms> <keyId:nonce>` per line) before the push is applied, with the same guarantee as the
 * push log (written before the answer, no fsync per request: a SIGKILL loses none, a power loss
 * can lose the last moments). At start the entries younger than the TTL (twice the verifier's
 * timestamp window: older signatures are refused for their timestamp anyway) are loaded and the
 * file rewritten with only those; it is rewritten the same way every `COMPACT_EVERY` appends.
 * Has the reference nonce cache's shape and bound (`has`/`add`, oldest dropped past `maxEntries`).
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';

const COMPACT_EVERY = 10_000;
const LINE = /^(\d{1,15}) (\S{1,300})$/;

export class NonceStore {
  /** key → time added (ms); insertion order is time order. */
  private readonly seen = new Map<string, number>();
  private fd: number;
  private appends = 0;

  constructor(
    private readonly file: string,
    private readonly ttlMs: number,
    private readonly clock: () => number = Date.now,
    private readonly maxEntries = 100_000,
  ) {
    if (existsSync(file)) {
      const since = clock() - ttlMs;
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        const m = LINE.exec(line);
        if (m && Number(m[1]) > since) this.remember(m[2]!, Number(m[1]));
      }
    }
    this.fd = this.rewrite();
  }

  has(key: string): boolean {
    this.purge();
    return this.seen.has(key);
  }

  /** Remembers the nonce, on disk before it returns. */
  add(key: string): void {
    const now = this.clock();
    this.purge();
    this.remember(key, now);
    writeSync(this.fd, `${now} ${key}\n`);
    if (++this.appends >= COMPACT_EVERY) {
      closeSync(this.fd);
      this.fd = this.rewrite();
    }
  }

  close(): void {
    closeSync(this.fd);
  }

  private remember(key: string, at: number): void {
    this.seen.delete(key);
    while (this.seen.size >= this.maxEntries) this.seen.delete(this.seen.keys().next().value as string);
    this.seen.set(key, at);
  }

  private purge(): void {
    const since = this.clock() - this.ttlMs;
    for (const [key, at] of this.seen) {
      if (at > since) break;
      this.seen.delete(key);
    }
  }

  /** Writes the live entries to a new file, swaps it in, and returns it open for appending. */
  private rewrite(): number {
    this.purge();
    const tmp = `${this.file}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    let text = '';
    for (const [key, at] of this.seen) text += `${at} ${key}\n`;
    writeSync(fd, text);
    fsyncSync(fd);
    renameSync(tmp, this.file);
    this.appends = 0;
    return fd;
  }
}
