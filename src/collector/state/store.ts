/**
 * The collector's on-disk state: a snapshot (`state.json`, replaced only by a proven one: see
 * snapshot-file.ts) plus append-only push logs (`log-<n>.bin`) holding every push acknowledged
 * since, as received (decompressed): one framed record per push — magic byte, kind, time, length,
 * CRC-32, payload — written synchronously, so the operating system has it even if the process is
 * killed the next instant, before the push is answered. Logging the body as received costs a copy,
 * not a re-encoding; replay decodes it again.
 * No fsync per request: a power loss can lose the last seconds, a SIGKILL loses nothing.
 *
 * A failed append (full disk, I/O error) is cut off again (the log is truncated to its last whole
 * record, or the next push starts a new log), so records appended after it stay readable; the
 * pushes of the failed write are refused with a `StorageError`.
 *
 * Compaction opens the next log first, takes a copy of the state at that boundary, then writes the
 * snapshot from the copy while new pushes go to the new log; only once the snapshot is proven are the
 * older logs deleted, so a crash or a failure at any step leaves a snapshot plus every log after it.
 * A file that cannot be read is renamed `*.corrupt-<time>` with an error log line, never fatal.
 */
import { closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writev } from 'node:fs';
import { crc32 } from 'node:zlib';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { readSnapshotFile, SNAPSHOT_FILE, writeFully, writeSnapshot } from './snapshot-file.js';
import type { Snapshot } from './snapshot-schema.js';
import { StorageError } from '../storage-error.js';

export type { Snapshot } from './snapshot-schema.js';

export interface LogRecord {
  readonly kind: number;
  readonly timeMs: number;
  readonly payload: Buffer;
}

export interface Recovered {
  readonly snapshot: Snapshot | undefined;
  /**
   * Log records after the snapshot, oldest first, read one log file at a time as they are
   * iterated (a damaged log is moved aside when the reading reaches its damage). Iterate once.
   */
  readonly records: Iterable<LogRecord>;
}

/** The log could not take a push (full disk, I/O error): the push must be refused, not answered 200. */

const LOG_RE = /^log-(\d+)\.bin$/;
const MAGIC = 0xa5;
const HEADER = 18; // magic u8, kind u8, time f64, length u32, crc32 u32

/** One record as it is written to a log: header and payload. */
export function frameRecord(kind: number, timeMs: number, payload: Buffer): [Buffer, Buffer] {
  const header = Buffer.allocUnsafe(HEADER);
  header[0] = MAGIC;
  header[1] = kind;
  header.writeDoubleLE(timeMs, 2);
  header.writeUInt32LE(payload.length, 10);
  header.writeUInt32LE(crc32(payload), 14);
  return [header, payload];
}

/**
 * The framed records of one log, in order; then `bad` says whether damage (not a torn tail)
 * stopped the reading.
 */
function* readRecords(buf: Buffer, result: { bad?: string; count: number }): Generator<LogRecord> {
  let off = 0;
  while (off < buf.length) {
    if (buf.length - off < HEADER) return; // torn tail: never acknowledged
    if (buf[off] !== MAGIC) return void (result.bad = `bad record marker at byte ${off}`);
    const kind = buf[off + 1]!;
    const timeMs = buf.readDoubleLE(off + 2);
    const len = buf.readUInt32LE(off + 10);
    const crc = buf.readUInt32LE(off + 14);
    if (off + HEADER + len > buf.length) return; // torn tail
    const payload = buf.subarray(off + HEADER, off + HEADER + len);
    if (crc32(payload) !== crc) return void (result.bad = `checksum mismatch at byte ${off}`);
    result.count++;
    yield { kind, timeMs, payload };
    off += HEADER + len;
  }
}

function errorCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? 'EIO';
}

interface Compaction {
  build: (nextLog: number) => Snapshot;
  done: Array<(e?: Error) => void>;
}

export class StateStore {
  private fd: number | undefined;
  private logNo = 0;
  /** Bytes of whole records in the current log: where a failed append is cut back to. */
  private bytesInLog = 0;
  /** A failed append could not be cut back: the next write starts a new log first. */
  private rotateFirst = false;

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

  /**
   * Reads the snapshot and opens a fresh log for new pushes; the records of the logs after the
   * snapshot are read as the caller iterates them. A snapshot whose envelope or aggregates are
   * invalid (snapshot-schema.ts) is moved aside.
   */
  recover(): Recovered {
    mkdirSync(this.dir, { recursive: true });
    let snapshot: Snapshot | undefined;
    const snapPath = join(this.dir, SNAPSHOT_FILE);
    if (existsSync(snapPath)) {
      try {
        snapshot = readSnapshotFile(snapPath, false);
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
    const replay = logs.filter((n) => n >= from);
    this.logNo = Math.max(from, (logs[logs.length - 1] ?? -1) + 1);
    this.fd = openSync(this.logPath(this.logNo), 'a');
    this.bytesInLog = 0;
    this.log.info({ stateDir: this.dir, snapshot: snapshot !== undefined, logs: replay.length }, 'state recovered');
    const self = this;
    function* records(): Generator<LogRecord> {
      for (const n of replay) {
        const path = self.logPath(n);
        const read: { bad?: string; count: number } = { count: 0 };
        yield* readRecords(readFileSync(path), read);
        if (read.bad) self.moveAside(path, `${read.bad}; the ${read.count} records before it were used`);
      }
    }
    return { snapshot, records: records() };
  }

  /**
   * Appends one record; resolves once the operating system holds it (it then survives a SIGKILL).
   * Records queued while a write is in flight go out together in the next write (group commit),
   * always in the order they were appended — replaying cumulative readings depends on that order.
   * Rejects with a `StorageError` when the write failed; the log is then as it was before it.
   */
  append(kind: number, timeMs: number, payload: Buffer): Promise<void> {
    if (this.fd === undefined) return Promise.reject(new Error('state store not open'));
    const bufs = frameRecord(kind, timeMs, payload);
    return new Promise((resolve, reject) => {
      this.queue.push({ bufs, size: HEADER + payload.length, resolve, reject });
      if (!this.writing) this.writeQueued();
    });
  }

  private queue: { bufs: Buffer[]; size: number; resolve: () => void; reject: (e: Error) => void }[] = [];
  private writing = false;
  private compaction: Compaction | undefined;
  /** A snapshot being written from its copy (appends go on meanwhile). */
  private snapshotting = false;

  private writeQueued(): void {
    if (this.compaction && !this.snapshotting) {
      // Take the copy between two writes, on a later turn: by then every push whose write completed
      // has been applied (their continuations are microtasks), so the snapshot covers the whole log
      // it retires. Appends arriving meanwhile wait in the queue and go to the new log.
      this.writing = true;
      setImmediate(() => {
        const c = this.compaction!;
        this.compaction = undefined;
        this.startCompaction(c);
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
    if (this.rotateFirst) {
      try {
        this.rotate();
        this.rotateFirst = false;
      } catch (err) {
        for (const r of batch) r.reject(new StorageError(errorCode(err), `push log unavailable: ${(err as Error).message}`));
        this.writing = false;
        return;
      }
    }
    const bufs = batch.flatMap((r) => r.bufs);
    const total = batch.reduce((a, r) => a + r.size, 0);
    const fd = this.fd;
    writev(fd, bufs, (err, written) => {
      if (!err && written < total) {
        // Short write: finish it byte-exactly so every frame stays whole, or fail (disk full).
        try {
          writeFully(fd, Buffer.concat(bufs).subarray(written));
        } catch (e) {
          err = e as NodeJS.ErrnoException;
        }
      }
      if (err) {
        this.cutBack(fd, err);
        const failure = new StorageError(errorCode(err), `push log write failed: ${err.message}`);
        for (const r of batch) r.reject(failure);
      } else {
        this.bytesInLog += total;
        for (const r of batch) r.resolve();
      }
      this.writeQueued();
    });
  }

  /** After a failed write: drop its partial bytes, so that later records stay readable. */
  private cutBack(fd: number, err: Error): void {
    try {
      ftruncateSync(fd, this.bytesInLog);
      this.log.error({ err: err.message, log: this.logNo }, 'push log write failed: cut back to the last whole record; the pushes are refused');
    } catch (e) {
      this.rotateFirst = true;
      this.log.error({ err: err.message, truncate: (e as Error).message, log: this.logNo }, 'push log write failed and could not be cut back: the next push starts a new log');
    }
  }

  /** New pushes go to the next log from here on (the current one is flushed and closed). */
  private rotate(): number {
    const next = this.logNo + 1;
    const fd = openSync(this.logPath(next), 'a');
    const old = this.fd!;
    this.fd = fd;
    try {
      fsyncSync(old);
    } catch {
      // its records are in the page cache: a SIGKILL still keeps them
    }
    try {
      closeSync(old);
    } catch {
      // nothing more to do with it
    }
    this.logNo = next;
    this.bytesInLog = 0;
    return next;
  }

  /**
   * At the log boundary: rotate, copy the state (`build`), then write the snapshot from the copy in
   * the background. `done` callbacks learn the outcome.
   */
  private startCompaction(c: Compaction): void {
    let next: number;
    let snap: Snapshot;
    const started = performance.now();
    try {
      next = this.rotate();
      snap = c.build(next);
    } catch (err) {
      for (const d of c.done) d(err as Error);
      return;
    }
    // The copy is the one part that holds up requests (it grows with the state): logged to see it.
    const copyMs = Math.round(performance.now() - started);
    this.snapshotting = true;
    writeSnapshot(this.dir, snap).then(
      () => {
        this.dropLogsBefore(next);
        this.log.info({ copyMs, totalMs: Math.round(performance.now() - started), nextLog: next }, 'snapshot written');
        this.finishCompaction(c);
      },
      (err: Error) => this.finishCompaction(c, err),
    );
  }

  private finishCompaction(c: Compaction, err?: Error): void {
    this.snapshotting = false;
    for (const d of c.done) d(err);
    if (this.compaction && !this.writing) this.writeQueued();
  }

  /** Deletes the logs a proven snapshot covers (numbered below its `nextLog`). */
  private dropLogsBefore(next: number): void {
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

  /**
   * Writes a snapshot (built by `build` from the in-memory state: it must return a copy that later
   * pushes do not change) and drops the logs it covers once it is proven. The copy is taken at the
   * next point between two log writes. Rejects if writing the snapshot failed; the previous
   * snapshot and every log then stay.
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
