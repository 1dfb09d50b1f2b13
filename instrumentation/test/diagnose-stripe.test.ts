// Mismatch diagnosis against the real `stripe` SDK: each cause made by the real mistake, several
// reproduced from public issue threads (named per test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { once } from 'node:events';
import express from 'express';
import Stripe from 'stripe';
import { instrumentVerifier } from '../src/index.js';
import { harness } from './otel-harness.js';
import { counted, failing, spanCauses } from './diagnose-support.js';

const stripe = new Stripe('sk_test_diagnosis_unused');
const secret = 'whsec_diagnosis_test_secret_0123456789';
// Stripe sends webhook bodies pretty-printed with two spaces.
const event = { id: 'evt_1', object: 'event', type: 'charge.succeeded', data: { object: { amount: 100, description: 'Café crème', url: 'https://x.test/a' } } };
const sent = JSON.stringify(event, null, 2);
const header = (payload: string | Buffer = sent, key = secret) =>
  stripe.webhooks.generateTestHeaderString({ payload: payload.toString(), secret: key, timestamp: Math.floor(Date.now() / 1000) });

function setup(options: Parameters<typeof instrumentVerifier>[1] = {}) {
  const h = harness();
  const constructEvent = instrumentVerifier(stripe.webhooks.constructEvent.bind(stripe.webhooks), { ...h.providers, scheme: 'stripe', ...options });
  return { h, constructEvent };
}

test('stripe-node#341: express.json() ran before constructEvent → internal_error (outcome error), cause body_not_raw', async () => {
  const { h, constructEvent } = setup();
  const app = express();
  let caught: unknown;
  app.post('/webhook', express.json(), (req, res) => {
    try {
      constructEvent(req.body, String(req.headers['stripe-signature']), secret);
    } catch (err) {
      caught = err;
    }
    res.end();
  });
  const server = app.listen(0);
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  await fetch(`http://127.0.0.1:${port}/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': header() }, body: sent });
  server.close();
  assert.match(String((caught as Error).message), /parsed JavaScript object/, 'the caller still gets Stripe\'s own error');
  assert.deepEqual(spanCauses(h), ['body_not_raw']);
  assert.equal(h.spans()[0]!.attributes['hmac.outcome'], 'error');
  assert.deepEqual(await counted(h, 'stripe'), { 'internal_error/body_not_raw/unknown': 1 });
  await h.shutdown();
});

test('stripe-node#1254 / stripe-python#424: JSON.stringify(req.body) of the pretty-printed body → body_reserialized', async () => {
  const { h, constructEvent } = setup();
  await failing(() => constructEvent(JSON.stringify(JSON.parse(sent)), header(), secret));
  assert.deepEqual(spanCauses(h), ['body_reserialized']);
  assert.deepEqual(await counted(h, 'stripe'), { 'signature_mismatch/body_reserialized/unknown': 1 });
  await h.shutdown();
});

test('Azure/azure-functions-host#702, stripe-node#1886: the secret read from a .env file keeps a trailing newline → secret_format', async () => {
  const { h, constructEvent } = setup();
  await failing(() => constructEvent(sent, header(), `${secret}\n`));
  await failing(() => constructEvent(sent, header(), `"${secret}"`));
  assert.deepEqual(spanCauses(h), ['secret_format', 'secret_format']);
  await h.shutdown();
});

test('stripe-node#1768, serverless#537: API Gateway hands over the body base64-encoded (isBase64Encoded) → body_base64', async () => {
  const { h, constructEvent } = setup();
  const lambdaEvent = { body: Buffer.from(sent).toString('base64'), isBase64Encoded: true };
  await failing(() => constructEvent(lambdaEvent.body, header(), secret));
  assert.deepEqual(spanCauses(h), ['body_base64']);
  await h.shutdown();
});

test('github/docs#3567: the raw bytes decoded as Latin-1 (non-ASCII body) → body_encoding', async () => {
  const { h, constructEvent } = setup();
  await failing(() => constructEvent(Buffer.from(sent, 'utf8').toString('latin1'), header(), secret));
  assert.deepEqual(spanCauses(h), ['body_encoding']);
  await h.shutdown();
});

test('stripe-dotnet#1506: line endings converted to CRLF, or a trailing newline added by a forwarder → body_whitespace', async () => {
  const { h, constructEvent } = setup();
  await failing(() => constructEvent(sent.replace(/\n/g, '\r\n'), header(), secret));
  await failing(() => constructEvent(`${sent}\n`, header(), secret));
  assert.deepEqual(spanCauses(h), ['body_whitespace', 'body_whitespace']);
  await h.shutdown();
});

test('GetStream/stream-node#294: the body still gzip-compressed → body_compressed', async () => {
  const { h, constructEvent } = setup();
  await failing(() => constructEvent(gzipSync(sent), header(), secret));
  assert.deepEqual(spanCauses(h), ['body_compressed']);
  await h.shutdown();
});

test('stripe-node#396: signed with the Stripe CLI secret, the dashboard secret configured → signed_with_other_key naming the listed ID only', async () => {
  const cli = 'whsec_the_stripe_cli_secret_abcdef012345';
  const { h, constructEvent } = setup({ diagnose: { otherSecrets: [{ id: 'stripe-cli', secret: cli }, { id: 'live', secret: 'whsec_live_other' }] } });
  await failing(() => constructEvent(sent, header(sent, cli), secret));
  assert.deepEqual(spanCauses(h), ['signed_with_other_key@stripe-cli']);
  assert.deepEqual(await counted(h, 'stripe'), { 'signature_mismatch/signed_with_other_key/stripe-cli': 1 });
  await h.shutdown();
});

test('no false diagnosis: a wrong secret or a tampered amount is never a body cause (undiagnosed)', async () => {
  const { h, constructEvent } = setup();
  await failing(() => constructEvent(sent, header(sent, 'whsec_an_attacker_guess_0000000000'), secret));
  const tampered = sent.replace('"amount": 100', '"amount": 999');
  await failing(() => constructEvent(tampered, header(), secret));
  // Tampered AND re-serialized: undoing the formatting does not undo the tampering.
  await failing(() => constructEvent(JSON.stringify(JSON.parse(tampered)), header(), secret));
  await failing(() => constructEvent(`${tampered}\n`, header(), secret));
  assert.deepEqual(spanCauses(h), ['undiagnosed', 'undiagnosed', 'undiagnosed', 'undiagnosed']);
  await h.shutdown();
});

test('diagnosis changes nothing the caller sees: same result on success (no cause), the very same error object on failure', async () => {
  const { h, constructEvent } = setup();
  const bare = (() => {
    try {
      stripe.webhooks.constructEvent(`${sent}\n`, 'x', secret);
    } catch (err) {
      return err as Error;
    }
  })();
  const ok = constructEvent(sent, header(), secret);
  assert.equal(ok.id, 'evt_1');
  const err = (await failing(() => constructEvent(`${sent}\n`, header(), secret))) as Error;
  assert.equal(err.constructor, bare!.constructor);
  assert.match(err.message, /No signatures found matching/);
  assert.deepEqual(spanCauses(h), ['', 'body_whitespace']);
  await h.shutdown();
});

test('constructEventAsync (a rejected promise) is diagnosed the same way', async () => {
  const h = harness();
  const constructEventAsync = instrumentVerifier(stripe.webhooks.constructEventAsync.bind(stripe.webhooks), { ...h.providers, scheme: 'stripe' });
  await assert.rejects(constructEventAsync(`${sent}\n`, header(), secret), /No signatures found matching/);
  assert.deepEqual(spanCauses(h), ['body_whitespace']);
  await h.shutdown();
});

test('diagnose: false turns diagnosis off', async () => {
  const { h, constructEvent } = setup({ diagnose: false });
  await failing(() => constructEvent(`${sent}\n`, header(), secret));
  assert.deepEqual(spanCauses(h), ['']);
  assert.deepEqual(await counted(h, 'stripe'), {});
  await h.shutdown();
});
