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
