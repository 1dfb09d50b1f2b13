/**
 * Blast radius in the wrapper: `hmac.auth.clients` {active, failing} and `hmac.key.clients` from the
 * `clientId` option over a sliding window, through a real SDK MeterProvider. Client IDs are kept as
 * keyed fingerprints only, memory stays bounded under a flood of forged client IDs (the overflow is
 * counted and reported once), and wrappers without `clientId` report neither gauge.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { instrumentVerifier } from '../src/wrap/verifier.js';
import { ClientWindow, UNIDENTIFIED_SLOTS, clientFingerprint } from '../src/telemetry/client-window.js';
import { HmacAuthError } from '../src/errors.js';
import { harness } from './otel-harness.js';

interface Req {
  client: string;
  keyId: string;
  ok: boolean;
}

function verify(req: Req): { keyId: string } {
  if (!req.ok) throw new HmacAuthError('signature_mismatch');
  return { keyId: req.keyId };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A verifier reporting to `h`, keyed by `req.keyId`, client from `req.client`. */
function wrapWithClients(h: ReturnType<typeof harness>, scheme: string, extra: { clientWindowMs?: number } = {}) {
  return instrumentVerifier(verify, { ...h.providers, scheme, keyId: (r) => r.keyId, knownKeyIds: ['k1', 'k2'], clientId: (r) => r.client, ...extra });
}

test('one failing client out of fifty: active 50, failing 1; key clients per key; raw IDs never exported', async () => {
  const h = harness();
  const wrapped = wrapWithClients(h, 'blast-one');
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 50; i++) {
      const req = { client: `partner-${i}`, keyId: i < 10 ? 'k2' : 'k1', ok: i !== 7 };
      try {
        wrapped(req);
      } catch {
        // the rejection is the test's point
      }
    }
  }
  const clients = await h.find('hmac.auth.clients', { 'hmac.scheme': 'blast-one' });
  const byState = Object.fromEntries(clients.map((p) => [p.attributes['hmac.client.state'], p.value]));
  assert.deepEqual(byState, { active: 50, failing: 1 });
  assert.ok(clients.every((p) => p.kind === 'gauge'));
  const keys = Object.fromEntries((await h.find('hmac.key.clients')).map((p) => [p.attributes['hmac.key_id'], p.value]));
  // k2: partners 0-9 minus the failing #7; k1: partners 10-49.
  assert.deepEqual(keys, { k1: 40, k2: 9 });
  const exported = JSON.stringify(await h.collect());
  assert.ok(!exported.includes('partner-'), 'a raw client ID reached a metric');
  assert.ok(!clientFingerprint('partner-7').includes('partner'));
  await h.shutdown();
});

test('the window slides: clients leave it, a client that stopped failing is active only', async () => {
  const h = harness();
  const wrapped = wrapWithClients(h, 'blast-slide', { clientWindowMs: 150 });
  assert.throws(() => wrapped({ client: 'a', keyId: 'k1', ok: false }));
  wrapped({ client: 'b', keyId: 'k1', ok: true });
  const state = async () =>
    Object.fromEntries((await h.find('hmac.auth.clients', { 'hmac.scheme': 'blast-slide' })).map((p) => [p.attributes['hmac.client.state'], p.value]));
  assert.deepEqual(await state(), { active: 2, failing: 1 });
  await sleep(200);
  wrapped({ client: 'b', keyId: 'k1', ok: true });
  wrapped({ client: 'a', keyId: 'k1', ok: true });
  assert.deepEqual(await state(), { active: 2, failing: 0 });
  await sleep(200);
  // Seen once, then idle: the series stay, at 0.
  assert.deepEqual(await state(), { active: 0, failing: 0 });
  assert.deepEqual((await h.find('hmac.key.clients', { 'hmac.key_id': 'k1' })).map((p) => p.value), [0]);
  await h.shutdown();
});

test('a flood of forged client IDs: memory stays at the cap, the overflow is counted and reported once', () => {
  const logged: string[] = [];
  diag.setLogger({ error: () => {}, warn: (m: string) => logged.push(m), info: () => {}, debug: () => {}, verbose: () => {} }, DiagLogLevel.WARN);
  try {
    const window = new ClientWindow({ windowMs: 60_000, maxClients: 1_000 });
    // Real clients first, then 100 000 forged IDs within the same window.
    for (let i = 0; i < 10; i++) window.record('s', `real-${i}`, 'k1', false, 0);
    const flood = (w: ClientWindow) => {
      const start = performance.now();
      for (let i = 0; i < 100_000; i++) w.record('s', `forged-${i}`, 'unknown', true, 1 + i / 1000);
      return performance.now() - start;
    };
    const atCap = flood(window);
    assert.ok(window.size() <= 2 * 1_000, `held ${window.size()} entries`);
    assert.equal(window.untracked, 100_000 - 990);
    // The real clients were not evicted by the flood; the gauge is a lower bound meanwhile.
    const during = window.counts(300);
    assert.deepEqual(during.schemes.get('s'), { active: 1_000, failing: 990 });
    assert.equal(during.keys.get('k1'), 10);
    assert.equal(logged.filter((m) => m.includes('client window')).length, 1, logged.join('\n'));
    // A full window costs no more per call than one with room (no scan per refused client): compared
    // with the same flood into a window that never fills, on the same (possibly busy) machine.
    const roomy = flood(new ClientWindow({ windowMs: 60_000, maxClients: 1_000_000 }));
    assert.ok(atCap < 3 * roomy, `at the cap ${atCap.toFixed(0)} ms, with room ${roomy.toFixed(0)} ms`);
    // Once the flood leaves the window, new clients are counted again.
    window.record('s', 'late-client', 'k1', false, 70_000 + 200);
    assert.deepEqual(window.counts(70_000 + 200).schemes.get('s'), { active: 1, failing: 0 });
  } finally {
    diag.disable();
  }
});

test('two wrappers of one provider share the window: a client seen by both counts once', async () => {
  const h = harness();
  const opts = { ...h.providers, scheme: 'blast-shared', keyId: (r: Req) => r.keyId, knownKeyIds: ['k1'], clientId: (r: Req) => r.client };
  const a = instrumentVerifier(verify, opts);
  const b = instrumentVerifier(async (r: Req) => verify(r), opts);
  a({ client: 'same', keyId: 'k1', ok: true });
  await b({ client: 'same', keyId: 'k1', ok: true });
  await b({ client: 'other', keyId: 'k1', ok: true });
  const active = await h.find('hmac.auth.clients', { 'hmac.scheme': 'blast-shared', 'hmac.client.state': 'active' });
  assert.deepEqual(active.map((p) => p.value), [2]);
  assert.deepEqual((await h.find('hmac.key.clients', { 'hmac.key_id': 'k1' })).map((p) => p.value), [2]);
  await h.shutdown();
});

test('without clientId (or with an absent one) nothing is counted: no client gauges, behaviour as before', async () => {
  const h = harness();
  const plain = instrumentVerifier(verify, { ...h.providers, scheme: 'blast-none', keyId: (r) => r.keyId, knownKeyIds: ['k1'] });
  plain({ client: 'x', keyId: 'k1', ok: true });
  assert.throws(() => plain({ client: 'y', keyId: 'k1', ok: false }));
  assert.deepEqual(await h.find('hmac.auth.clients'), []);
  assert.deepEqual(await h.find('hmac.key.clients'), []);
  const anonymous = instrumentVerifier(verify, { ...h.providers, scheme: 'blast-anon', clientId: () => undefined });
  anonymous({ client: 'x', keyId: 'k1', ok: true });
  assert.deepEqual(await h.find('hmac.auth.clients', { 'hmac.scheme': 'blast-anon' }), []);
  await h.shutdown();
});

test('failures without a client ID count as failing clients (bounded): they are not hidden behind one identified client', async () => {
  // One partner out of fifty fails, while a proxy strips the client header from most other requests
  // and those fail too: the burn is system-wide, so the counts must not say "one failing client".
  const h = harness();
  const wrapped = instrumentVerifier(verify, {
    ...h.providers, scheme: 'blast-unidentified', keyId: (r) => r.keyId, knownKeyIds: ['k1'],
    clientId: (r) => (r.client === '' ? undefined : r.client),
  });
  for (let i = 0; i < 50; i++) {
    try {
      wrapped({ client: `partner-${i}`, keyId: 'k1', ok: i !== 7 });
    } catch {
      // the rejection is the test's point
    }
  }
  for (let i = 0; i < 500; i++) assert.throws(() => wrapped({ client: '', keyId: 'k1', ok: false }));
  // Successes without a client ID still count nothing.
  for (let i = 0; i < 500; i++) wrapped({ client: '', keyId: 'k1', ok: true });
  const byState = Object.fromEntries(
    (await h.find('hmac.auth.clients', { 'hmac.scheme': 'blast-unidentified' })).map((p) => [p.attributes['hmac.client.state'], p.value]),
  );
  assert.deepEqual(byState, { active: 50 + UNIDENTIFIED_SLOTS, failing: 1 + UNIDENTIFIED_SLOTS });
  assert.deepEqual((await h.find('hmac.key.clients', { 'hmac.key_id': 'k1' })).map((p) => p.value), [49]);
  await h.shutdown();
});

test('the window options are checked', () => {
  assert.throws(() => new ClientWindow({ windowMs: 0 }), /clientWindowMs/);
  assert.throws(() => new ClientWindow({ maxClients: -1 }), /maxClients/);
});
