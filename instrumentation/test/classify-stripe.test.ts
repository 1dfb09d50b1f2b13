// The default classifier against the real `stripe` SDK: every way `webhooks.constructEvent` fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import { classifyError } from '../src/classify/index.js';
import type { FailureReason } from '../src/contract.js';
import { instrumentVerifier } from '../src/index.js';
import { harness } from './otel-harness.js';
import { assertExported } from './classify-wrapped-support.js';

const stripe = new Stripe('sk_test_classifier_unused');
const secret = 'whsec_test_secret_for_classifier';
const payload = JSON.stringify({ id: 'evt_1', object: 'event', type: 'ping' });
const now = () => Math.floor(Date.now() / 1000);
const header = (opts: { payload?: string; secret?: string; timestamp?: number } = {}) =>
  stripe.webhooks.generateTestHeaderString({
    payload: opts.payload ?? payload,
    secret: opts.secret ?? secret,
    timestamp: opts.timestamp ?? now(),
  });

function reasonOf(fn: () => unknown): FailureReason {
  try {
    fn();
  } catch (err) {
    return classifyError(err);
  }
  assert.fail('expected the verifier to throw');
}

test('a valid Stripe signature is accepted', () => {
  const event = stripe.webhooks.constructEvent(payload, header(), secret);
  assert.equal(event.id, 'evt_1');
});

test('StripeSignatureVerificationError has name "Error" and is still recognised', () => {
  try {
    stripe.webhooks.constructEvent(payload, 'garbage', secret);
    assert.fail('should throw');
  } catch (err) {
    assert.equal((err as Error).name, 'Error');
    assert.equal(classifyError(err), 'malformed_signature');
  }
});

test('missing stripe-signature header → missing_signature', () => {
  assert.equal(reasonOf(() => stripe.webhooks.constructEvent(payload, undefined as unknown as string, secret)), 'missing_signature');
  assert.equal(reasonOf(() => stripe.webhooks.constructEvent(payload, '', secret)), 'missing_signature');
});

test('malformed header (no timestamp, or no v1 signature) → malformed_signature', () => {
  assert.equal(reasonOf(() => stripe.webhooks.constructEvent(payload, 'v1=abc', secret)), 'malformed_signature');
  assert.equal(reasonOf(() => stripe.webhooks.constructEvent(payload, `t=${now()},v0=abc`, secret)), 'malformed_signature');
});

test('wrong secret → signature_mismatch', () => {
  const h = header({ secret: 'whsec_another_secret' });
  assert.equal(reasonOf(() => stripe.webhooks.constructEvent(payload, h, secret)), 'signature_mismatch');
});

test('altered body → signature_mismatch (Stripe signs no separate body digest)', () => {
  const h = header();
  assert.equal(reasonOf(() => stripe.webhooks.constructEvent(payload.replace('ping', 'pong'), h, secret)), 'signature_mismatch');
});

test('empty body → digest_mismatch (nothing the signature could cover arrived)', () => {
  assert.equal(reasonOf(() => stripe.webhooks.constructEvent('', header(), secret)), 'digest_mismatch');
});

test('stale timestamp → timestamp_skew; Stripe does not reject future timestamps', () => {
  const old = header({ timestamp: now() - 1000 });
  assert.equal(reasonOf(() => stripe.webhooks.constructEvent(payload, old, secret, 300)), 'timestamp_skew');
  const future = header({ timestamp: now() + 1000 });
  assert.equal(stripe.webhooks.constructEvent(payload, future, secret, 300).id, 'evt_1');
});

test("the application's mistakes are internal_error (outcome error), not the client's fault", () => {
  // A body parser already turned the body into an object.
  const parsed = JSON.parse(payload) as unknown as string;
  assert.equal(reasonOf(() => stripe.webhooks.constructEvent(parsed, header(), secret)), 'internal_error');
  // No webhook secret configured.
  assert.equal(reasonOf(() => stripe.webhooks.constructEvent(payload, header(), '')), 'internal_error');
});

test('constructEventAsync rejections classify the same way', async () => {
  const wrong = header({ secret: 'whsec_other' });
  await assert.rejects(stripe.webhooks.constructEventAsync(payload, wrong, secret), (err) => {
    assert.equal(classifyError(err), 'signature_mismatch');
    return true;
  });
  await assert.rejects(stripe.webhooks.constructEventAsync(payload, header({ timestamp: now() - 1000 }), secret, 300), (err) => {
    assert.equal(classifyError(err), 'timestamp_skew');
    return true;
  });
});

test('wrapped with instrumentVerifier and the real SDK: exported error.type/outcome per failure', async () => {
  const h = harness();
  const construct = instrumentVerifier(stripe.webhooks.constructEvent.bind(stripe.webhooks), {
    ...h.providers,
    scheme: 'stripe',
    timestamp: (_p: unknown, sig: unknown) => /(?:^|,)t=(\d+)/.exec(String(sig ?? ''))?.[1],
  });
  const calls: Array<[() => unknown, FailureReason | 'accepted']> = [
    [() => construct(payload, header(), secret), 'accepted'],
    [() => construct(payload, '', secret), 'missing_signature'],
    [() => construct(payload, 'v1=abc', secret), 'malformed_signature'],
    [() => construct(payload, header({ secret: 'whsec_wrong' }), secret), 'signature_mismatch'],
    [() => construct(payload.replace('ping', 'pong'), header(), secret), 'signature_mismatch'],
    [() => construct(payload, header({ timestamp: now() - 1000 }), secret, 300), 'timestamp_skew'],
    [() => construct('', header(), secret), 'digest_mismatch'],
    [() => construct(payload, header(), ''), 'internal_error'],
  ];
  for (const [call, expected] of calls) {
    if (expected === 'accepted') assert.equal((call() as { id: string }).id, 'evt_1');
    else assert.equal(reasonOf(call), expected);
  }
  await assertExported(h, 'stripe', calls.map(([, r]) => r));
  // The clock-skew histogram saw the stale request's 1000 s.
  const skew = await h.find('hmac.auth.clock_skew', { 'hmac.scheme': 'stripe' });
  assert.ok(skew.length === 1 && (skew[0]!.sum ?? 0) >= 1000);
  await h.shutdown();
});
