/**
 * Key owners (issue 12 §5): a key ring entry's owner is reported as `hmac.key.owner` on
 * `hmac.key.info`; the reference ring validates it and keeps it across status changes; an owner
 * that is not a short team name is left out (and reported once via diag), never exported as is.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { observeKeyRing } from '../src/wrap/key-ring.js';
import { createKeyRing } from '../src/reference/key-ring.js';
import type { KeyRingEntry } from '../src/key-ring.js';
import { harness } from './otel-harness.js';

const SECRET = 'owner-test-secret-0123456789';
const row = (p: { attributes: Record<string, unknown>; value: number }) => [p.attributes['hmac.key_id'], p.attributes['hmac.key.status'], p.attributes['hmac.key.owner'], p.value];

test('the reference ring carries each key\'s owner to hmac.key.owner, across a status change', async () => {
  const h = harness();
  const ring = createKeyRing([
    { id: 'pay-1', secret: SECRET, owner: 'payments-team' },
    { id: 'web-1', secret: SECRET },
  ]);
  const handle = observeKeyRing(ring, h.providers);
  assert.deepEqual((await h.find('hmac.key.info')).map(row).sort(), [
    ['pay-1', 'active', 'payments-team', 1],
    ['web-1', 'active', undefined, 1],
  ]);
  ring.retire('pay-1');
  assert.deepEqual((await h.find('hmac.key.info', { 'hmac.key_id': 'pay-1' })).map(row).sort(), [
    ['pay-1', 'active', 'payments-team', 0],
    ['pay-1', 'retiring', 'payments-team', 1],
  ]);
  assert.equal(ring.keys().find((k) => k.id === 'pay-1')?.owner, 'payments-team');
  handle.stop();
  await h.shutdown();
});

test('an owner that moves to another team: the earlier (status, owner) set drops to 0', async () => {
  const h = harness();
  const keys: KeyRingEntry[] = [{ id: 'k', status: 'active', createdAt: Date.now(), owner: 'a' }];
  const handle = observeKeyRing({ keys: () => keys }, h.providers);
  await h.find('hmac.key.info');
  keys[0] = { ...keys[0]!, owner: 'b' };
  assert.deepEqual((await h.find('hmac.key.info')).map(row).sort(), [
    ['k', 'active', 'a', 0],
    ['k', 'active', 'b', 1],
  ]);
  handle.stop();
  await h.shutdown();
});

test('owners are bounded: the reference ring refuses a bad one; observeKeyRing leaves it out and reports it once', async () => {
  for (const owner of ['', 'x'.repeat(65), 'team a', 'a\nb', '__proto__"', '-lead']) {
    assert.throws(() => createKeyRing([{ id: 'k', secret: SECRET, owner }]), TypeError, JSON.stringify(owner));
  }
  assert.doesNotThrow(() => createKeyRing([{ id: 'k', secret: SECRET, owner: 'x'.repeat(64) }]));

  const warnings: string[] = [];
  diag.setLogger({ error: () => {}, warn: (m: string) => void warnings.push(m), info: () => {}, debug: () => {}, verbose: () => {} }, DiagLogLevel.WARN);
  try {
    const h = harness();
    const hostile = 'team\n' + 'x'.repeat(5000);
    const handle = observeKeyRing({ keys: () => [{ id: 'k', status: 'active', createdAt: Date.now(), owner: hostile }, { id: 'j', status: 'active', createdAt: Date.now(), owner: 42 as never }] }, h.providers);
    assert.deepEqual((await h.find('hmac.key.info')).map(row).sort(), [
      ['j', 'active', undefined, 1],
      ['k', 'active', undefined, 1],
    ]);
    await h.find('hmac.key.info');
    assert.equal(warnings.filter((w) => w.includes('owner')).length, 1, warnings.join('\n'));
    assert.ok(!warnings.some((w) => w.includes('xxxx')), 'the value itself is never logged');
    handle.stop();
    await h.shutdown();
  } finally {
    diag.disable();
  }
});
