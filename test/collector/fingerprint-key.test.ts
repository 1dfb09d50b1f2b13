/**
 * Client fingerprints are keyed with a per-deployment secret (HMAC-SHA256), so a dictionary over
 * likely client IDs cannot reverse them: not the plain SHA-256 prefix, stable across a restart
 * (the key is kept in the state dir with mode 0600), different between deployments, and equal
 * between replicas that share a key through `collector.fingerprintKeyEnv`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startCollector, tempDir } from '../support/collector.js';
import { sendSpans } from './otel-spans.js';
import { fingerprintsIn } from './fingerprints.js';
import { FINGERPRINT_KEY_FILE, FingerprintKeyError, loadFingerprintKey } from '../../src/collector/fingerprint-key.js';

const CLIENT = 'customer-424242';
const sha256Prefix = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 12);

/** Pushes one rejected span of CLIENT and returns the fingerprint the collector serves for it. */
async function servedFingerprint(url: string): Promise<string> {
  await sendSpans(url, 'json', 'payments', [{ client: CLIENT, outcome: 'rejected', reason: 'signature_mismatch', times: 1 }]);
  const body = (await (await fetch(`${url}/api/failures?limit=1`)).json()) as { failures: { clientFingerprint?: string }[] };
  const fp = body.failures[0]?.clientFingerprint;
  assert.ok(fp && /^[0-9a-f]{12}$/.test(fp), `served fingerprint ${fp}`);
  return fp;
}

test('the served fingerprint is not sha256(id), is stable across a restart and differs between deployments', async () => {
  const tmp = tempDir();
  try {
    const dirA = join(tmp.dir, 'a');
    const dirB = join(tmp.dir, 'b');
    mkdirSync(dirA);
    mkdirSync(dirB);
    let a = await startCollector({ dir: dirA });
    const first = await servedFingerprint(a.url);
    assert.notEqual(first, sha256Prefix(CLIENT));
    assert.equal(first, fingerprintsIn(dirA)(CLIENT));
    assert.equal(statSync(join(dirA, 'state', FINGERPRINT_KEY_FILE)).mode & 0o777, 0o600);
    await a.kill();
    a = await startCollector({ dir: dirA });
    assert.equal(await servedFingerprint(a.url), first, 'same fingerprint after a restart');
    await a.stop();
    const b = await startCollector({ dir: dirB });
    assert.notEqual(await servedFingerprint(b.url), first, 'another deployment, another fingerprint');
    await b.stop();
  } finally {
    tmp.cleanup();
  }
});

test('replicas sharing collector.fingerprintKeyEnv produce the same fingerprints, and keep no key file', async () => {
  const tmp = tempDir();
  try {
    const env = { FP_KEY: 'a-shared-fingerprint-key-for-replicas' };
    const config = 'collector:\n  fingerprintKeyEnv: FP_KEY\n';
    const served: string[] = [];
    for (const name of ['r1', 'r2']) {
      const dir = join(tmp.dir, name);
      mkdirSync(dir);
      const c = await startCollector({ dir, env, configYaml: config });
      served.push(await servedFingerprint(c.url));
      await c.stop();
      assert.throws(() => readFileSync(join(dir, 'state', FINGERPRINT_KEY_FILE)), /ENOENT/);
    }
    assert.equal(served[0], served[1]);
    assert.notEqual(served[0], sha256Prefix(CLIENT));
  } finally {
    tmp.cleanup();
  }
});

test('loadFingerprintKey: a missing or short environment key is a start-up error', () => {
  const tmp = tempDir();
  try {
    assert.throws(() => loadFingerprintKey('FP_KEY', tmp.dir, {}), FingerprintKeyError);
    assert.throws(() => loadFingerprintKey('FP_KEY', tmp.dir, { FP_KEY: 'short' }), /at least 16 bytes/);
    const key = loadFingerprintKey('', tmp.dir, {});
    assert.equal(key.length, 32);
    assert.deepEqual(loadFingerprintKey('', tmp.dir, {}), key);
  } finally {
    tmp.cleanup();
  }
});
