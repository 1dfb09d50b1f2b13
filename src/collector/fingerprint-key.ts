/**
 * The per-deployment key of client fingerprints. Fingerprints are HMAC-SHA256(key, client ID), so
 * a dictionary over likely IDs (`customer-0…999999`) cannot reverse them without the key. The key
 * comes from the environment variable named by `collector.fingerprintKeyEnv` (replicas that share
 * it produce the same fingerprints), or else from `STATE_DIR/fingerprint.key`: 32 random bytes,
 * written once with mode 0600 and reused on every start, so fingerprints are stable across restarts.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export class FingerprintKeyError extends Error {}

export const FINGERPRINT_KEY_FILE = 'fingerprint.key';
const MIN_ENV_KEY_BYTES = 16;

export function loadFingerprintKey(envName: string, stateDir: string, env: NodeJS.ProcessEnv = process.env): Buffer {
  if (envName !== '') {
    const v = env[envName];
    if (!v) throw new FingerprintKeyError(`collector.fingerprintKeyEnv: environment variable ${envName} is not set`);
    if (Buffer.byteLength(v) < MIN_ENV_KEY_BYTES) throw new FingerprintKeyError(`collector.fingerprintKeyEnv: ${envName} must hold at least ${MIN_ENV_KEY_BYTES} bytes`);
    return Buffer.from(v);
  }
  mkdirSync(stateDir, { recursive: true });
  const file = join(stateDir, FINGERPRINT_KEY_FILE);
  try {
    const key = readFileSync(file);
    if (key.length !== 32) throw new FingerprintKeyError(`${file}: expected 32 bytes, found ${key.length}; remove it to make a new key (fingerprints then change)`);
    // Tighten a copy restored with looser permissions.
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const key = randomBytes(32);
  // 'wx': two processes racing on one state dir cannot both write a key.
  const fd = openSync(file, 'wx', 0o600);
  try {
    writeSync(fd, key);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return key;
}
