/**
 * `startCollector`, the `hmac-slo` package's programmatic entry (docs/collector.md "Embed it"), in
 * this process as an embedding application runs it: port 0 gives the bound URL, no signal handlers
 * are installed, `stop()` writes the snapshot and closes the state files, an invalid config throws
 * `ConfigError` naming the field, and a start that fails (port in use) releases the state directory's
 * files so the application can try again. test/build/packed-install.test.ts runs it as installed.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { ConfigError, startCollector } from '../../src/index.js';

const log = pino({ level: 'silent' });
const dir = mkdtempSync(join(tmpdir(), 'hmac-slo-embed-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Files under `stateDir` this process holds open (Linux: /proc/self/fd). */
function openIn(stateDir: string): string[] {
  return readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      return target.startsWith(stateDir) ? [target] : [];
    } catch {
      return []; // closed between the listing and the read
    }
  });
}

const signalListeners = () => ['SIGTERM', 'SIGINT'].map((s) => process.listenerCount(s));

test('port 0 gives the bound URL, no signal handlers; stop() writes the snapshot and closes the state files', async () => {
  const before = signalListeners();
  const stateDir = join(dir, 'started');
  const collector = await startCollector({ config: {}, listen: '127.0.0.1:0', stateDir, ui: false, log });
  assert.match(collector.url, /^http:\/\/127\.0\.0\.1:[1-9]\d*$/);
  assert.equal((await fetch(`${collector.url}/metrics`)).status, 200);
  assert.deepEqual(signalListeners(), before);
  assert.notDeepEqual(openIn(stateDir), []);
  await collector.stop();
  assert.ok(existsSync(join(stateDir, 'state.json')));
  assert.deepEqual(openIn(stateDir), []);
});

test('an invalid config object throws ConfigError naming the field', async () => {
  await assert.rejects(
    startCollector({ config: { period: 'soon' }, listen: '127.0.0.1:0', stateDir: join(dir, 'invalid'), ui: false, log }),
    (err: unknown) => err instanceof ConfigError && err.field === 'period',
  );
});

test('a start that fails (port in use) rejects and leaves no state file open, so a retry works', async () => {
  const first = await startCollector({ listen: '127.0.0.1:0', stateDir: join(dir, 'first'), ui: false, log });
  const stateDir = join(dir, 'second');
  try {
    for (let i = 0; i < 2; i++) {
      await assert.rejects(startCollector({ listen: new URL(first.url).host, stateDir, ui: false, log }), /EADDRINUSE/);
      assert.deepEqual(openIn(stateDir), [], 'the failed start left files of its state directory open');
    }
    const retry = await startCollector({ listen: '127.0.0.1:0', stateDir, ui: false, log });
    await retry.stop();
  } finally {
    await first.stop();
  }
});

test('a web config that does not load: rejects and leaves the push nonce file closed', async () => {
  process.env.HMAC_SLO_EMBED_TEST_KEY = 'embed-test-push-key-0123456789abcdef';
  const stateDir = join(dir, 'web-config');
  const config = { collector: { auth: { hmacKeys: [{ id: 'embed-1', secretEnv: 'HMAC_SLO_EMBED_TEST_KEY' }] } } };
  await assert.rejects(startCollector({ config, listen: '127.0.0.1:0', stateDir, webConfigFile: join(dir, 'missing-web.yml'), ui: false, log }));
  assert.deepEqual(openIn(stateDir), []);
});
