import { test } from 'node:test';
import assert from 'node:assert/strict';
import { instrumentReplayCache } from '../src/wrap/replay-cache.js';
import { observeKeyRing } from '../src/wrap/key-ring.js';
import type { KeyRingEntry } from '../src/key-ring.js';
import { createNonceCache } from '../src/reference/nonce-cache.js';
import { harness } from './otel-harness.js';

const byResult = (points: Array<{ attributes: Record<string, unknown>; value: number }>) =>
  Object.fromEntries(points.map((p) => [String(p.attributes['hmac.replay.result']), p.value]));

test('check(nonce)-style cache: fresh vs replayed counted, verdict passed through, size reported', async () => {
  const h = harness();
  const cache = instrumentReplayCache(createNonceCache(), { ...h.providers, scheme: 'custom-v1' });
  assert.equal(cache.check('n1'), true);
  assert.equal(cache.check('n2'), true);
  assert.equal(cache.check('n1'), false);
  assert.equal(cache.size, 2, 'other members pass through the proxy');

  assert.deepEqual(byResult(await h.find('hmac.replay.checks', { 'hmac.scheme': 'custom-v1' })), { fresh: 2, replayed: 1 });
  const [size] = await h.find('hmac.replay.cache.size');
  assert.deepEqual(size!.attributes, { 'hmac.scheme': 'custom-v1' });
  assert.equal(size!.value, 2);
  assert.equal(size!.kind, 'gauge');
  const spans = h.spans();
  assert.equal(spans.length, 3);
  assert.ok(spans.every((s) => s.name === 'hmac.replay.check'));
  assert.equal(spans[2]!.attributes['hmac.replay.result'], 'replayed');
  await h.shutdown();
});

test('has/add-style cache (a plain Set, async has): has() decides fresh vs replayed', async () => {
  const h = harness();
  const seen = instrumentReplayCache(new Set<string>(), { ...h.providers, scheme: 'plain' });
  assert.equal(seen.has('a'), false);
  seen.add('a');
  assert.equal(seen.has('a'), true);
  assert.equal(seen.size, 1);

  const remote = new Map<string, number>();
  const asyncCache = instrumentReplayCache(
    {
      has: async (n: string) => remote.has(n),
      add: async (n: string) => void remote.set(n, 1),
      size: () => remote.size,
    },
    { ...h.providers, scheme: 'remote' },
  );
  assert.equal(await asyncCache.has('x'), false);
  await asyncCache.add('x');
  assert.equal(await asyncCache.has('x'), true);
  assert.equal(await asyncCache.has('x'), true);

  assert.deepEqual(byResult(await h.find('hmac.replay.checks', { 'hmac.scheme': 'plain' })), { fresh: 1, replayed: 1 });
  assert.deepEqual(byResult(await h.find('hmac.replay.checks', { 'hmac.scheme': 'remote' })), { fresh: 1, replayed: 2 });
  const sizes = Object.fromEntries((await h.find('hmac.replay.cache.size')).map((p) => [p.attributes['hmac.scheme'], p.value]));
  assert.deepEqual(sizes, { plain: 1, remote: 1 });
  assert.throws(() => instrumentReplayCache({} as never), TypeError);
  await h.shutdown();
});

test('two caches of one scheme: checks and sizes add up to one series each', async () => {
  const h = harness();
  const a = instrumentReplayCache(createNonceCache(), h.providers);
  const b = instrumentReplayCache(createNonceCache(), h.providers);
  a.check('1');
  b.check('2');
  b.check('3');
  assert.deepEqual(byResult(await h.find('hmac.replay.checks')), { fresh: 3 });
  const sizes = await h.find('hmac.replay.cache.size');
  assert.equal(sizes.length, 1);
  assert.equal(sizes[0]!.value, 3);
  await h.shutdown();
});

test('observeKeyRing: hmac.key.info is 1 for each key\'s status, an earlier status drops to 0; hmac.key.age in seconds', async () => {
  const h = harness();
  const now = Date.now();
  const keys: KeyRingEntry[] = [
    { id: 'k-2024', status: 'revoked', createdAt: new Date(now - 400 * 86400_000) },
    { id: 'k-2025', status: 'retiring', createdAt: now - 90 * 86400_000 },
    { id: 'k-2026', status: 'active', createdAt: now - 3600_000 },
  ];
  const handle = observeKeyRing({ keys: () => keys }, h.providers);
  const info = await h.find('hmac.key.info');
  assert.deepEqual(
    info.map((p) => [p.attributes['hmac.key_id'], p.attributes['hmac.key.status'], p.value]).sort(),
    [
      ['k-2024', 'revoked', 1],
      ['k-2025', 'retiring', 1],
      ['k-2026', 'active', 1],
    ],
  );
  const ages = Object.fromEntries((await h.find('hmac.key.age')).map((p) => [p.attributes['hmac.key_id'], p.value]));
  assert.ok(Math.abs(ages['k-2026']! - 3600) < 5, `age of k-2026 ≈ 3600 s, got ${ages['k-2026']}`);
  assert.ok(Math.abs(ages['k-2024']! - 400 * 86400) < 5);
  const [ageMetric] = await h.find('hmac.key.age');
  assert.equal(ageMetric!.unit, 's');

  // A status change shows on the next collection: the old status drops to 0.
  keys[2] = { ...keys[2]!, status: 'retiring' };
  const after = await h.find('hmac.key.info', { 'hmac.key_id': 'k-2026' });
  assert.deepEqual(
    Object.fromEntries(after.map((p) => [p.attributes['hmac.key.status'], p.value])),
    { active: 0, retiring: 1 },
  );
  handle.stop();
  await h.shutdown();
});

test('observeKeyRing: stop() ends the reporting', async () => {
  const h = harness();
  const handle = observeKeyRing({ keys: () => [{ id: 'k', status: 'active', createdAt: Date.now() }] }, h.providers);
  handle.stop();
  assert.deepEqual(await h.find('hmac.key.info'), []);
  assert.throws(() => observeKeyRing({} as never), TypeError);
  await h.shutdown();
});
