/**
 * The signed-push nonce store: a nonce added before a restart is still known after it (file
 * reloaded), entries older than the TTL are dropped at load and the file is rewritten without
 * them; each key has its own bound and a full key is refused rather than a live nonce evicted;
 * a write on a full disk throws StorageError, leaves no partial line, and unreadable lines are
 * skipped (counted) at load.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NonceStore } from '../../src/collector/nonce-store.js';
import { StorageError } from '../../src/collector/storage-error.js';
import { tempDir } from '../support/collector.js';
import { mountSmallTmpfs } from './small-tmpfs.js';

test('nonces survive a reopen, expire after the TTL, and the file keeps only live ones', () => {
  const tmp = tempDir();
  try {
    const file = join(tmp.dir, 'push-nonces.log');
    let now = 1_000_000;
    const clock = () => now;
    const first = new NonceStore(file, 600_000, clock);
    first.add('k1', 'old-nonce-1');
    now += 300_000;
    first.add('k1', 'new-nonce-2');
    assert.ok(first.has('k1', 'old-nonce-1'));
    first.close(); // a SIGKILL would skip this; the lines are written by add() already

    const second = new NonceStore(file, 600_000, clock);
    assert.ok(second.has('k1', 'old-nonce-1') && second.has('k1', 'new-nonce-2'), 'known after a restart');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    second.close();

    now += 400_000; // the first nonce is now 700 s old
    const third = new NonceStore(file, 600_000, clock);
    assert.ok(!third.has('k1', 'old-nonce-1'));
    assert.ok(third.has('k1', 'new-nonce-2'));
    assert.deepEqual(readFileSync(file, 'utf8').trim().split('\n'), [`1300000 k1:new-nonce-2`]);
    third.close();
  } finally {
    tmp.cleanup();
  }
});

test('each key has its own bound: a full key is refused, no live nonce is evicted, other keys go on', () => {
  const tmp = tempDir();
  try {
    let now = 1_000_000;
    const store = new NonceStore(join(tmp.dir, 'n.log'), 600_000, () => now, 2);
    assert.ok(store.add('victim', 'v-1'));
    assert.ok(store.add('evil', 'e-1') && store.add('evil', 'e-2'));
    assert.equal(store.full('evil'), true);
    assert.equal(store.add('evil', 'e-3'), false, 'a full key is refused');
    assert.deepEqual(['e-1', 'e-2', 'e-3'].map((n) => store.has('evil', n)), [true, true, false], 'no live nonce evicted');
    assert.ok(store.has('victim', 'v-1'), "another key's nonce is untouched");
    assert.ok(store.add('victim', 'v-2'), 'another key still adds');
    now += 600_001; // e-1 and e-2 expire: room again
    assert.ok(store.add('evil', 'e-3'));
    store.close();
  } finally {
    tmp.cleanup();
  }
});

test('unreadable lines (cut by a crash) are skipped and counted at load; the good ones kept', () => {
  const tmp = tempDir();
  try {
    const file = join(tmp.dir, 'n.log');
    const now = Date.now();
    writeFileSync(file, `${now} k1:good-nonce-1\n${now} k1:cut-in the midd\ngarbage\n${now} k1:good-nonce-2\n`);
    const store = new NonceStore(file, 600_000);
    assert.equal(store.skippedLines, 2);
    assert.ok(store.has('k1', 'good-nonce-1') && store.has('k1', 'good-nonce-2'));
    store.close();
  } finally {
    tmp.cleanup();
  }
});

test('on a full disk add throws StorageError, remembers nothing and leaves no partial line', (t) => {
  const fs = mountSmallTmpfs('64k');
  if (!fs) return t.skip('cannot mount a tmpfs here (needs root)');
  try {
    const file = join(fs.dir, 'push-nonces.log');
    const store = new NonceStore(file, 600_000);
    assert.ok(store.add('k1', 'before-full-1'));
    fs.fill();
    // The file's last page may still have room: add until the disk refuses.
    const nonce = (i: number) => `nonce-${i}-${'x'.repeat(100)}`;
    let failed = -1;
    for (let i = 0; i < 1000 && failed < 0; i++) {
      try {
        store.add('k1', nonce(i));
      } catch (err) {
        assert.ok(err instanceof StorageError, String(err));
        failed = i;
      }
    }
    assert.ok(failed >= 0, 'the disk never filled');
    assert.equal(store.has('k1', nonce(failed)), false, 'a nonce not written is not remembered');
    fs.free();
    assert.ok(store.add('k1', 'after-full-2'));
    store.close();
    const lines = readFileSync(file, 'utf8').split('\n');
    assert.equal(lines.pop(), '');
    assert.equal(lines.length, failed + 2, 'every line whole: the one cut by the full disk removed');
    for (const line of lines) assert.match(line, /^\d+ k1:[\w-]+$/);
    const again = new NonceStore(file, 600_000);
    assert.equal(again.skippedLines, 0);
    assert.ok(again.has('k1', 'after-full-2'));
    again.close();
  } finally {
    fs.cleanup();
  }
});
