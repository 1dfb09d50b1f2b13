/**
 * The collector's on-disk state: a snapshot (`state.json`, replaced atomically: write a temporary
 * file, fsync, rename, fsync the directory) plus append-only push logs (`log-<n>.ndjson`) holding
 * every push acknowledged since. A push is written to the log (one line, synchronously, so the
 * operating system has it even if the process is killed the next instant) before it is answered.
 * No fsync per request: a power loss can lose the last seconds, a SIGKILL loses nothing.
 *
 * Compaction opens the next log first, then writes a snapshot that says which log comes next, then
 * deletes the older logs, so a crash at any step leaves a snapshot plus every log written after it.
 * A file that cannot be read is renamed `*.corrupt-<time>` with an error log line, never fatal.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';

export interface Snapshot {
  readonly version: 1;
  readonly savedAtMs: number;
  /** The first log that holds pushes made after this snapshot. */
  readonly nextLog: number;
  readonly aggregator: unknown;
  readonly slo: unknown;
  readonly extra?: unknown;
}

export interface Recovered {
  readonly snapshot: Snapshot | undefined;
  /** Log records after the snapshot, oldest first. */
  readonly records: unknown[];
}

const SNAPSHOT = 'state.json';
const LOG_RE = /^log-(\d+)\.ndjson$/;

export class StateStore {
  private fd: number | undefined;
  private logNo = 0;
  private bytesInLog = 0;

  constructor(
    readonly dir: string,
    private readonly log: Logger,
  ) {}

  private logPath(n: number): string {
    return join(this.dir, `log-${n}.ndjson`);
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
    const records: unknown[] = [];
    for (const n of logs) {
      if (n < from) continue;
      const path = this.logPath(n);
      const lines = readFileSync(path, 'utf8').split('\n');
      let bad = 0;
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i]!;
        if (line === '') continue;
        try {
          records.push(JSON.parse(line));
        } catch {
          // A torn last line is a write the process died in: never acknowledged. Anything else is damage.
          if (i !== lines.length - 1) bad++;
        }
      }
      if (bad > 0) this.log.error({ file: path, badLines: bad }, 'push log has unreadable lines: skipped them');
    }
    this.logNo = Math.max(from, (logs[logs.length - 1] ?? -1) + 1);
    this.fd = openSync(this.logPath(this.logNo), 'a');
    this.bytesInLog = 0;
    this.log.info({ stateDir: this.dir, snapshot: snapshot !== undefined, replayed: records.length }, 'state recovered');
    return { snapshot, records };
  }

  /** Appends one record; returns once the operating system holds it (survives a SIGKILL). */
  append(record: unknown): void {
    if (this.fd === undefined) throw new Error('state store not open');
    const line = Buffer.from(`${JSON.stringify(record)}\n`);
    let off = 0;
    while (off < line.length) off += writeSync(this.fd, line, off);
    this.bytesInLog += line.length;
  }

  get logBytes(): number {
    return this.bytesInLog;
  }

  /** Writes a snapshot of everything up to now and drops the logs it covers. */
  compact(build: (nextLog: number) => Snapshot): void {
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
