/**
 * The collector's on-disk state: a snapshot (`state.json`, replaced atomically: write a temporary
 * file, fsync, rename, fsync the directory) plus append-only push logs (`log-<n>.bin`) holding
 * every push acknowledged since, as received (decompressed): one framed record per push —
 * magic byte, kind, time, length, CRC-32, payload — written synchronously, so the operating system
 * has it even if the process is killed the next instant, before the push is answered. Logging the
 * body as received costs a copy, not a re-encoding; replay decodes it again.
 * No fsync per request: a power loss can lose the last seconds, a SIGKILL loses nothing.
 *
 * Compaction opens the next log first, then writes a snapshot that says which log comes next, then
 * deletes the older logs, so a crash at any step leaves a snapshot plus every log written after it.
 * A file that cannot be read is renamed `*.corrupt-<time>` with an error log line, never fatal.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync, writev } from 'node:fs';
import { crc32 } from 'node:zlib';
import { join } from 'node:path';
import type { Logger } from 'pino';

export interface Snapshot {
  readonly version: 1;
  readonly savedAtMs: number;
  /** The first log that holds pushes made after this snapshot. */
  readonly nextLog: number;
  readonly aggregator: unknown;
  readonly slo: unknown;
  /**
   * Failure log and key usage. Optional: a snapshot written before they were persisted has
   * neither, and loads with both empty.
   */
  readonly failures?: unknown;
  readonly keys?: unknown;
  readonly extra?: unknown;
}

export interface LogRecord {
  readonly kind: number;
  readonly timeMs: number;
  readonly payload: Buffer;
}

export interface Recovered {
  readonly snapshot: Snapshot | undefined;
  /** Log records after the snapshot, oldest first. */
  readonly records: LogRecord[];
}

const SNAPSHOT = 'state.json';
const LOG_RE = /^log-(\d+)\.bin$/;
const MAGIC = 0xa5;
const HEADER = 18; // magic u8, kind u8, time f64, length u32, crc32 u32

/** Reads the framed records of one log; `bad` when damage (not a torn tail) stopped the reading. */
function readRecords(buf: Buffer): { records: LogRecord[]; bad: string | undefined } {
  const records: LogRecord[] = [];
  let off = 0;
  while (off < buf.length) {
    if (buf.length - off < HEADER) return { records, bad: undefined }; // torn tail: never acknowledged
    if (buf[off] !== MAGIC) return { records, bad: `bad record marker at byte ${off}` };
    const kind = buf[off + 1]!;
    const timeMs = buf.readDoubleLE(off + 2);
    const len = buf.readUInt32LE(off + 10);
    const crc = buf.readUInt32LE(off + 14);
    if (off + HEADER + len > buf.length) return { records, bad: undefined }; // torn tail
    const payload = buf.subarray(off + HEADER, off + HEADER + len);
    if (crc32(payload) !== crc) return { records, bad: `checksum mismatch at byte ${off}` };
    records.push({ kind, timeMs, payload });
    off += HEADER + len;
  }
  return { records, bad: undefined };
}

export class StateStore {
  private fd: number | undefined;
  private logNo = 0;
  private bytesInLog = 0;

  constructor(
    readonly dir: string,
    private readonly log: Logger,
  ) {}

  private logPath(n: number): string {
    return join(this.dir, `log-${n}.bin`);
  }

  private moveAside(path: string, why: string): void {
    const to = `${path}.corrupt-${Date.now()}`;
    try {
      renameSync(path, to);
      this.log.error({ file: path, movedTo: to, reason: why }, 'state file unreadable: moved aside, continuing without it');
    } catch (err) {
      this.log.error({ file: path, reason: why, err: (err as Error).message }, 'state file unreadable and could not be moved aside');
    }
  }

  /** Reads the snapshot and the logs after it, then opens a fresh log for new pushes. */
  recover(validateSnapshot: (s: Snapshot) => void): Recovered {
    mkdirSync(this.dir, { recursive: true });
    let snapshot: Snapshot | undefined;
    const snapPath = join(this.dir, SNAPSHOT);
    if (existsSync(snapPath)) {
      try {
        const parsed = JSON.parse(readFileSync(snapPath, 'utf8')) as Snapshot;
        if (parsed?.version !== 1 || !Number.isInteger(parsed.nextLog)) throw new Error('not a version 1 snapshot');
        validateSnapshot(parsed);
        snapshot = parsed;
      } catch (err) {
        this.moveAside(snapPath, (err as Error).message);
      }
    }
    const logs = readdirSync(this.dir)
      .map((f) => LOG_RE.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    const from = snapshot?.nextLog ?? 0;
    const records: LogRecord[] = [];
    for (const n of logs) {
      if (n < from) continue;
      const path = this.logPath(n);
      const read = readRecords(readFileSync(path));
      records.push(...read.records);
      if (read.bad) this.moveAside(path, `${read.bad}; the ${read.records.length} records before it were used`);
    }
    this.logNo = Math.max(from, (logs[logs.length - 1] ?? -1) + 1);
    this.fd = openSync(this.logPath(this.logNo), 'a');
    this.bytesInLog = 0;
    this.log.info({ stateDir: this.dir, snapshot: snapshot !== undefined, replayed: records.length }, 'state recovered');
    return { snapshot, records };
  }

  /**
   * Appends one record; resolves once the operating system holds it (it then survives a SIGKILL).
   * Records queued while a write is in flight go out together in the next write (group commit),
   * always in the order they were appended — replaying cumulative readings depends on that order.
   */
  append(kind: number, timeMs: number, payload: Buffer): Promise<void> {
    if (this.fd === undefined) return Promise.reject(new Error('state store not open'));
    const header = Buffer.allocUnsafe(HEADER);
    header[0] = MAGIC;
    header[1] = kind;
    header.writeDoubleLE(timeMs, 2);
    header.writeUInt32LE(payload.length, 10);
    header.writeUInt32LE(crc32(payload), 14);
    return new Promise((resolve, reject) => {
      this.queue.push({ bufs: [header, payload], size: HEADER + payload.length, resolve, reject });
      if (!this.writing) this.writeQueued();
    });
  }

  private queue: { bufs: Buffer[]; size: number; resolve: () => void; reject: (e: Error) => void }[] = [];
  private writing = false;
  private compaction: { build: (nextLog: number) => Snapshot; done: Array<(e?: Error) => void> } | undefined;

  private writeQueued(): void {
    if (this.compaction) {
      // Compact between two writes, on a later turn: by then every push whose write completed has
      // been applied (their continuations are microtasks), so the snapshot covers the whole log it
      // retires. Appends arriving meanwhile wait in the queue and go to the new log.
      this.writing = true;
      setImmediate(() => {
        const c = this.compaction!;
        this.compaction = undefined;
        let error: Error | undefined;
        try {
          this.compactNow(c.build);
        } catch (e) {
          error = e as Error;
        }
        for (const d of c.done) d(error);
        this.writing = false;
        this.writeQueued();
      });
      return;
    }
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0 || this.fd === undefined) {
      this.writing = false;
      for (const r of batch) r.reject(new Error('state store closed'));
      return;
    }
    this.writing = true;
    const bufs = batch.flatMap((r) => r.bufs);
    const total = batch.reduce((a, r) => a + r.size, 0);
    const fd = this.fd;
    writev(fd, bufs, (err, written) => {
      if (!err && written < total) {
        // Short write (rare): finish it byte-exactly so every frame stays whole.
        try {
          const rest = Buffer.concat(bufs).subarray(written);
          let off = 0;
          while (off < rest.length) off += writeSync(fd, rest, off);
        } catch (e) {
          err = e as NodeJS.ErrnoException;
        }
      }
      if (err) for (const r of batch) r.reject(err);
      else {
        this.bytesInLog += total;
        for (const r of batch) r.resolve();
      }
      this.writeQueued();
    });
  }

  /**
   * Writes a snapshot (built by `build` from the in-memory state) and drops the logs it covers, at
   * the next point between two log writes. Rejects if writing the snapshot failed.
   */
  compact(build: (nextLog: number) => Snapshot): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (e?: Error) => (e ? reject(e) : resolve());
      if (this.compaction) {
        this.compaction.done.push(done);
        return;
      }
      this.compaction = { build, done: [done] };
      if (!this.writing) this.writeQueued();
    });
  }

  get logBytes(): number {
    return this.bytesInLog;
  }

  /** Synchronous compaction: at start (before any append) and from `compact()`, between writes. */
  compactNow(build: (nextLog: number) => Snapshot): void {
    if (this.fd === undefined) throw new Error('state store not open');
    const covered = this.logNo;
    // 1. New pushes go to the next log from here on.
    const next = covered + 1;
    const fd = openSync(this.logPath(next), 'a');
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = fd;
    this.logNo = next;
    this.bytesInLog = 0;
    // 2. Snapshot, atomically.
    const snap = build(next);
    const tmp = join(this.dir, `${SNAPSHOT}.tmp`);
    const tfd = openSync(tmp, 'w');
    try {
      writeSync(tfd, JSON.stringify(snap));
      fsyncSync(tfd);
    } finally {
      closeSync(tfd);
    }
    renameSync(tmp, join(this.dir, SNAPSHOT));
    try {
      const dfd = openSync(this.dir, 'r');
      fsyncSync(dfd);
      closeSync(dfd);
    } catch {
      // Some filesystems refuse fsync on a directory; the rename is still atomic.
    }
    // 3. Older logs are now covered by the snapshot.
    for (const f of readdirSync(this.dir)) {
      const m = LOG_RE.exec(f);
      if (m && Number(m[1]) < next) {
        try {
          unlinkSync(join(this.dir, f));
        } catch {
          // already gone
        }
      }
    }
  }

  close(): void {
    if (this.fd !== undefined) {
      try {
        fsyncSync(this.fd);
      } catch {
        // best effort
      }
      closeSync(this.fd);
      this.fd = undefined;
    }
  }
}
