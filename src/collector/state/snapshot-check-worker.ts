/**
 * Worker thread: reads back a freshly written snapshot file, parses and validates it whole
 * (snapshot-schema.ts), and answers `{ ok: true }` or `{ ok: false, error }`. Parsing and checking
 * a big state takes a second or more; here it does not hold up the collector's requests.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import { checkSnapshot } from './snapshot-schema.js';

const { path, bytes } = workerData as { path: string; bytes: number };
try {
  const buf = readFileSync(path);
  if (buf.length !== bytes) throw new Error(`snapshot read back with ${buf.length} of ${bytes} bytes`);
  checkSnapshot(JSON.parse(buf.toString('utf8')), true);
  parentPort!.postMessage({ ok: true });
} catch (err) {
  parentPort!.postMessage({ ok: false, error: (err as Error).message });
}
