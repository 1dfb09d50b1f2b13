/**
 * The signed-push nonce store: a nonce added before a restart is still known after it (file
 * reloaded), entries older than the TTL are dropped at load and the file is rewritten without
 * them, and the size bound drops the oldest first.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { NonceStore } from '../../src/collector/nonce-store.js';
import { tempDir } from './collector-process.js';

test('nonces survive a reopen, expire after the TTL, and the file keeps only live ones', () => {
  const tmp = tempDir();
  try {
    const file = join(tmp.dir, 'push-nonces.log');
    let now = 1_000_000;
    const clock = () => now;
    const first = new NonceStore(file, 600_000, clock);
    first.add('k1:old-nonce-1');
    now += 300_000;
    first.add('k1:new-nonce-2');
    assert.ok(first.has('k1:old-nonce-1'));
    first.close(); // a SIGKILL would skip this; the lines are written by add() already

    const second = new NonceStore(file, 600_000, clock);
    assert.ok(second.has('k1:old-nonce-1') && second.has('k1:new-nonce-2'), 'known after a restart');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    second.close();

    now += 400_000; // the first nonce is now 700 s old
    const third = new NonceStore(file, 600_000, clock);
    assert.ok(!third.has('k1:old-nonce-1'));
    assert.ok(third.has('k1:new-nonce-2'));
    assert.deepEqual(readFileSync(file, 'utf8').trim().split('\n'), [`1300000 k1:new-nonce-2`]);
    third.close();
  } finally {
    tmp.cleanup();
  }
});

test('past maxEntries the oldest nonce goes first', () => {
  const tmp = tempDir();
  try {
    const store = new NonceStore(join(tmp.dir, 'n.log'), 600_000, Date.now, 2);
    store.add('a');
    store.add('b');
    store.add('c');
    assert.deepEqual(['a', 'b', 'c'].map((k) => store.has(k)), [false, true, true]);
    store.close();
  } finally {
    tmp.cleanup();
  }
});
