// Mismatch diagnosis against the real `standardwebhooks` and `svix` Webhook.verify.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { instrumentVerifier } from '../src/index.js';
import { harness } from './otel-harness.js';
import { counted, failing, spanCauses } from './diagnose-support.js';

const secret = 'whsec_' + Buffer.from('standard-webhooks-key-0123456789').toString('base64');
const payload = '{"type":"invoice.paid","data":{"amount":100}}';

function signedHeaders(body: string, sign: (id: string, ts: Date, body: string) => string, prefix = 'webhook') {
  const id = 'msg_2a1b';
  const ts = new Date();
  return { [`${prefix}-id`]: id, [`${prefix}-timestamp`]: String(Math.floor(ts.getTime() / 1000)), [`${prefix}-signature`]: sign(id, ts, body) };
}

test('svix-webhooks#1463: a parsed body (express.json()) → internal_error, cause body_not_raw', async () => {
  const h = harness();
  const wh = new SvixWebhook(secret);
  const verify = instrumentVerifier(wh.verify.bind(wh), { ...h.providers, scheme: 'svix' });
  const headers = signedHeaders(payload, (i, t, b) => wh.sign(i, t, b), 'svix');
  await failing(() => verify(JSON.parse(payload), headers));
  assert.deepEqual(spanCauses(h), ['body_not_raw']);
  assert.deepEqual(await counted(h, 'svix'), { 'internal_error/body_not_raw/unknown': 1 });
  await h.shutdown();
});

test('redwoodjs/graphql#1410, nhost#2099: Netlify/Vercel hand over the body base64-encoded → body_base64, with no option (bound verify)', async () => {
  const h = harness();
  const wh = new SvixWebhook(secret);
  const verify = instrumentVerifier(wh.verify.bind(wh), { ...h.providers, scheme: 'svix' });
  const headers = signedHeaders(payload, (i, t, b) => wh.sign(i, t, b), 'svix');
  await failing(() => verify(Buffer.from(payload).toString('base64'), headers));
  await failing(() => verify(`${payload}\n`, headers));
  assert.deepEqual(spanCauses(h), ['body_base64', 'body_whitespace']);
  await h.shutdown();
});

test('standard-webhooks#235: the sender used the whole whsec_ string as the HMAC key instead of its base64-decoded bytes → secret_format', async () => {
  const h = harness();
  const wh = new StandardWebhook(secret);
  const verify = instrumentVerifier(wh.verify.bind(wh), { ...h.providers, scheme: 'standardwebhooks', diagnose: { secret } });
  const wrongKeySign = (id: string, ts: Date, body: string) =>
    'v1,' + createHmac('sha256', secret).update(`${id}.${Math.floor(ts.getTime() / 1000)}.${body}`).digest('base64');
  await failing(() => verify(payload, signedHeaders(payload, wrongKeySign)));
  // And a wrong key altogether stays undiagnosed.
  const other = new StandardWebhook('whsec_' + Buffer.from('a-different-key-entirely-0000').toString('base64'));
  await failing(() => verify(payload, signedHeaders(payload, (i, t, b) => other.sign(i, t, b))));
  assert.deepEqual(spanCauses(h), ['secret_format', 'undiagnosed']);
  await h.shutdown();
});

test('a wrapped function that is not the library\'s verify is never called again (it may have side effects)', async () => {
  const h = harness();
  const wh = new StandardWebhook(secret);
  let handled = 0;
  const handle = (body: string, headers: Record<string, string>) => {
    handled++;
    return wh.verify(body, headers);
  };
  const verify = instrumentVerifier(handle, { ...h.providers, scheme: 'standardwebhooks' });
  await failing(() => verify(`${payload}\n`, signedHeaders(payload, (i, t, b) => wh.sign(i, t, b))));
  assert.equal(handled, 1);
  assert.deepEqual(spanCauses(h), ['undiagnosed']);
  await h.shutdown();
});
