// Mismatch diagnosis under a hostile sender: what an unauthenticated request can make the wrapper do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import { instrumentVerifier } from '../src/index.js';
import { harness } from './otel-harness.js';
import { failing, spanCauses } from './diagnose-support.js';

const stripe = new Stripe('sk_test_diagnosis_unused');
const secret = 'whsec_diagnosis_hostile_0123456789';

test('a forged body of 100k newlines and one x costs milliseconds, not seconds (no quadratic trailing-whitespace regex)', async () => {
  const h = harness();
  const constructEvent = instrumentVerifier(stripe.webhooks.constructEvent.bind(stripe.webhooks), { ...h.providers, scheme: 'stripe' });
  const started = performance.now();
  for (const run of ['\n', ' ']) {
    const body = run.repeat(100_000) + 'x';
    const header = stripe.webhooks.generateTestHeaderString({ payload: 'something else', secret });
    await failing(() => constructEvent(body, header, secret));
  }
  const ms = performance.now() - started;
  assert.deepEqual(spanCauses(h), ['undiagnosed', 'undiagnosed']);
  // The regexes took ~20 s per request here; the linear scan a few ms.
  assert.ok(ms < 2000, `two diagnoses took ${Math.round(ms)} ms`);
  await h.shutdown();
});

test('an application handler labelled stripe/github/svix that takes a request is not the library: a wrong secret is never body_not_raw', async () => {
  const h = harness();
  const { verify: octokitVerify } = await import('@octokit/webhooks-methods');
  const { Webhook } = await import('svix');
  const whSecret = 'whsec_' + Buffer.from('svix-handler-key-0123456789').toString('base64');
  const wh = new Webhook(whSecret);
  const forger = new Webhook('whsec_' + Buffer.from('not-the-key-0123456789abc').toString('base64'));
  const body = '{"id":"evt_1","amount":100}';
  interface Req { body: string; headers: Record<string, string> }
  const stripeHandler = instrumentVerifier((req: Req) => stripe.webhooks.constructEvent(req.body, req.headers['stripe-signature']!, secret), { ...h.providers, scheme: 'stripe' });
  const githubHandler = instrumentVerifier(async (req: Req) => {
    if (!(await octokitVerify(secret, req.body, req.headers['x-hub-signature-256']!))) throw new Error('signature does not match');
  }, { ...h.providers, scheme: 'github' });
  const svixHandler = instrumentVerifier((req: Req) => wh.verify(req.body, req.headers), { ...h.providers, scheme: 'svix' });
  await failing(() => stripeHandler({ body, headers: { 'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload: body, secret: 'whsec_wrong' }) } }));
  await failing(() => githubHandler({ body, headers: { 'x-hub-signature-256': 'sha256=' + '0'.repeat(64) } }));
  const now = new Date();
  await failing(() => svixHandler({ body, headers: { 'svix-id': 'msg_1', 'svix-timestamp': String(Math.floor(now.getTime() / 1000)), 'svix-signature': forger.sign('msg_1', now, body) } }));
  assert.ok(!spanCauses(h).includes('body_not_raw'), `causes: ${spanCauses(h).join(', ')}`);
  await h.shutdown();
});

test('the budget is weighed by body size: a burst of forged 200 KiB bodies gets one diagnosis, not twenty (each costs ~70 ms)', async () => {
  const h = harness();
  const constructEvent = instrumentVerifier(stripe.webhooks.constructEvent.bind(stripe.webhooks), { ...h.providers, scheme: 'stripe' });
  const items = Array.from({ length: 1350 }, (_, i) => ({ id: i, name: 'é/x'.repeat(10), nested: { a: [1, 2, 3] } }));
  const body = JSON.stringify(items, null, 2);
  assert.ok(Buffer.byteLength(body) > 180 * 1024 && Buffer.byteLength(body) < 256 * 1024);
  const header = stripe.webhooks.generateTestHeaderString({ payload: 'something else', secret });
  for (let i = 0; i < 10; i++) await failing(() => constructEvent(body, header, secret));
  const causes = spanCauses(h);
  assert.deepEqual(causes.filter((c) => c !== 'skipped'), ['undiagnosed'], causes.join(', '));
  await h.shutdown();
});

test('bodies above the default limit (256 KiB) are skipped without spending the budget', async () => {
  const h = harness();
  const constructEvent = instrumentVerifier(stripe.webhooks.constructEvent.bind(stripe.webhooks), { ...h.providers, scheme: 'stripe' });
  const header = stripe.webhooks.generateTestHeaderString({ payload: 'something else', secret });
  await failing(() => constructEvent(' '.repeat(256 * 1024 + 1), header, secret));
  await failing(() => constructEvent('{"small":true}', header, secret));
  assert.deepEqual(spanCauses(h), ['skipped', 'undiagnosed']);
  await h.shutdown();
});

test('a custom subject\'s otherKeys ID that is not a short token (e.g. taken from the request) never becomes a label or span attribute', async () => {
  const { createHmac } = await import('node:crypto');
  const h = harness();
  const other = 'another-secret-0123456789abcdef';
  const mac = (k: string, b: string) => createHmac('sha256', k).update(b).digest('hex');
  const verify = instrumentVerifier(
    (req: { body: string; sig: string; keyId: string }) => {
      if (req.sig !== mac(secret, req.body)) throw new Error('signature mismatch');
    },
    {
      ...h.providers,
      scheme: 'mine-v1',
      classify: () => 'signature_mismatch',
      diagnose: {
        subject: (req: { body: string; sig: string; keyId: string }) => ({
          body: req.body,
          secretMatches: (k: Uint8Array) => mac(Buffer.from(k).toString(), req.body) === req.sig,
          otherKeys: [[req.keyId, Buffer.from(other)]],
        }),
      },
    },
  );
  await failing(() => verify({ body: '{}', sig: mac(other, '{}'), keyId: 'attacker text {"x":1}' }));
  await failing(() => verify({ body: '{}', sig: mac(other, '{}'), keyId: 'k-previous' }));
  assert.deepEqual(spanCauses(h), ['signed_with_other_key', 'signed_with_other_key@k-previous']);
  const labels = (await h.find('hmac.auth.failure.causes', { 'hmac.scheme': 'mine-v1' })).map((p) => String(p.attributes['hmac.key_id']));
  assert.ok(!labels.some((l) => l.includes('attacker')), labels.join(', '));
  await h.shutdown();
});
