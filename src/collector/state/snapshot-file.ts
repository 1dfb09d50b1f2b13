/**
 * Writing `state.json` so that only a proven snapshot ever replaces the previous one: the JSON is
 * written in pieces (never one giant string), every byte is checked written (a short write is an
 * error, never a shorter file), the file is fsynced, read back, parsed and validated by the same
 * code that loads it at start, and only then renamed over `state.json`. Any failure removes the
 * temporary file and throws; the previous snapshot and the logs after it stay as they were.
 */
import { closeSync, fsync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { jsonChunks } from './json-chunks.js';

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

/**
 * Reads a snapshot file: JSON, then `check` (which throws on anything the loader would refuse).
 * Used at start and on the freshly written file, so what is installed is what will load.
 */
export function readSnapshotFile(path: string, check: (parsed: unknown) => void): unknown {
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
  check(parsed);
  return parsed;
}

function prove(dir: string, tmp: string, written: number, check: (parsed: unknown) => void): void {
  const size = readFileSync(tmp).length;
  if (size !== written) throw new Error(`snapshot read back with ${size} of ${written} bytes`);
  readSnapshotFile(tmp, check);
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

/** Writes, proves and installs a snapshot in one go (at start, before the server listens). */
export function writeSnapshotSync(dir: string, snapshot: unknown, check: (parsed: unknown) => void): void {
  const tmp = join(dir, `${SNAPSHOT_FILE}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w');
    let written = 0;
    for (const b of pieces(snapshot)) {
      writeFully(fd, b);
      written += b.length;
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    prove(dir, tmp, written, check);
  } catch (err) {
    discard(fd, tmp);
    throw err;
  }
}

/**
 * The same, a piece at a time, letting other work (requests, log appends) run in between.
 * `snapshot` must be a copy nothing changes meanwhile.
 */
export async function writeSnapshot(dir: string, snapshot: unknown, check: (parsed: unknown) => void): Promise<void> {
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
    prove(dir, tmp, written, check);
  } catch (err) {
    discard(fd, tmp);
    throw err;
  }
}
