/**
 * Writing `state.json` so that only a proven snapshot ever replaces the previous one: the JSON is
 * written in pieces (never one giant string), every byte is checked written (a short write is an
 * error, never a shorter file), the file is fsynced, read back, parsed and validated whole by the
 * same checks that load it at start, and only then renamed over `state.json`. Any failure removes
 * the temporary file and throws; the previous snapshot and the logs after it stay as they were.
 * In the running collector the read-back runs in a worker thread (snapshot-check-worker.ts), so
 * that parsing a big state does not hold up requests.
 */
import { closeSync, fsync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { promisify } from 'node:util';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { jsonChunks } from './json-chunks.js';
import { checkSnapshot, type Snapshot } from './snapshot-schema.js';

export const SNAPSHOT_FILE = 'state.json';

/** Bytes handed to the disk at once; between two of them the async writer lets requests run. */
const PIECE = 1 << 20;

/** Writes all of `buf`, or throws: `writeSync` may write less than asked (a full disk). */
export function writeFully(fd: number, buf: Buffer): void {
  let off = 0;
  while (off < buf.length) {
    const n = writeSync(fd, buf, off, buf.length - off);
    if (n <= 0) throw Object.assign(new Error(`short write: ${off} of ${buf.length} bytes`), { code: 'ENOSPC' });
    off += n;
  }
}

/** The snapshot's JSON text in buffers of about PIECE bytes. */
function* pieces(value: unknown): Generator<Buffer> {
  let pending = '';
  for (const s of jsonChunks(value)) {
    pending += s;
    if (pending.length >= PIECE) {
      yield Buffer.from(pending);
      pending = '';
    }
  }
  if (pending.length > 0) yield Buffer.from(pending);
}

function syncDir(dir: string): void {
  try {
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic.
  }
}

/** Reads a snapshot file and checks it (`whole`: every section, see snapshot-schema.ts). */
export function readSnapshotFile(path: string, whole: boolean): Snapshot {
  return checkSnapshot(JSON.parse(readFileSync(path, 'utf8')), whole);
}

/** The read-back check, in this thread: size, then JSON and every section. */
function proveHere(tmp: string, written: number): void {
  const size = readFileSync(tmp).length;
  if (size !== written) throw new Error(`snapshot read back with ${size} of ${written} bytes`);
  readSnapshotFile(tmp, true);
}

/**
 * A worker running this module's sibling: .js when built; from source (.ts), through tsx's loader,
 * which a worker thread does not inherit.
 */
function checkWorker(workerData: unknown): Worker {
  const ext = extname(fileURLToPath(import.meta.url));
  const entry = new URL(`./snapshot-check-worker${ext}`, import.meta.url);
  if (ext === '.js') return new Worker(entry, { workerData });
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  return new Worker(`import(${tsx}).then((t) => { t.register(); return import(${JSON.stringify(entry.href)}); });`, { eval: true, workerData });
}

let workerFailureWarned = false;

/**
 * Said once per process on stderr: the fallback keeps snapshots safe, but a worker that cannot run
 * at all (say, a build missing snapshot-check-worker.js) should not go unnoticed.
 */
function warnWorkerFailed(why: unknown): void {
  if (workerFailureWarned) return;
  workerFailureWarned = true;
  const reason = why instanceof Error ? why.message : typeof why === 'number' ? `exit code ${why}` : 'no answer';
  process.emitWarning(`snapshot check worker failed (${reason}); snapshots are checked on the main thread instead`, 'HmacSloWarning');
}

/**
 * The same check in a worker thread. Should the worker itself fail (not the check), the check runs
 * here instead: slower for requests, but a snapshot is never installed unproven nor refused for it.
 */
function proveInWorker(tmp: string, written: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const fallback = (why?: unknown) => {
      if (answered) return;
      answered = true;
      warnWorkerFailed(why);
      try {
        proveHere(tmp, written);
        resolve();
      } catch (err) {
        reject(err as Error);
      }
    };
    let worker: Worker;
    try {
      worker = checkWorker({ path: tmp, bytes: written });
    } catch (err) {
      return fallback(err);
    }
    worker.once('message', (m: { ok: boolean; error?: string }) => {
      answered = true;
      void worker.terminate();
      if (m.ok) resolve();
      else reject(new Error(`snapshot read back and refused: ${m.error}`));
    });
    worker.once('error', fallback);
    worker.once('exit', fallback);
  });
}

function install(dir: string, tmp: string): void {
  renameSync(tmp, join(dir, SNAPSHOT_FILE));
  syncDir(dir);
}

function discard(fd: number | undefined, tmp: string): void {
  if (fd !== undefined) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
  }
  try {
    unlinkSync(tmp);
  } catch {
    // never created, or already gone
  }
}

/**
 * Writes, proves and installs a snapshot, a piece at a time, letting other work (requests, log
 * appends) run in between. `snapshot` must be a copy nothing changes meanwhile.
 */
export async function writeSnapshot(dir: string, snapshot: Snapshot): Promise<void> {
  const tmp = join(dir, `${SNAPSHOT_FILE}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w');
    let written = 0;
    for (const b of pieces(snapshot)) {
      writeFully(fd, b);
      written += b.length;
      await new Promise((r) => setImmediate(r));
    }
    await promisify(fsync)(fd); // off the event loop: flushing a big file can take a while
    closeSync(fd);
    fd = undefined;
    await proveInWorker(tmp, written);
    install(dir, tmp);
  } catch (err) {
    discard(fd, tmp);
    throw err;
  }
}
