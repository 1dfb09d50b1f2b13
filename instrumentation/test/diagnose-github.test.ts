// Mismatch diagnosis against the real `@octokit/webhooks-methods` (verify resolves false on a mismatch).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sign, verify } from '@octokit/webhooks-methods';
import { instrumentVerifier } from '../src/index.js';
import { harness } from './otel-harness.js';
import { counted, failing, spanCauses } from './diagnose-support.js';

const secret = 'github-webhook-secret-0123456789';
// GitHub sends compact JSON; this sender escapes non-ASCII and "/" (as PHP's json_encode does).
const sent = '{"action":"opened","issue":{"title":"Caf\\u00e9 cr\\u00e8me","html_url":"https:\\/\\/github.com\\/o\\/r\\/issues\\/1"}}';

function setup(options: Parameters<typeof instrumentVerifier>[1] = {}) {
  const h = harness();
  const verifyGithub = instrumentVerifier(verify, { ...h.providers, scheme: 'github', isAccepted: (ok) => ok === true, ...options });
  return { h, verifyGithub };
}

test('octokit/webhooks.js#71 #96: JSON.stringify(req.body) drops the sender\'s escapes → body_reserialized', async () => {
  const { h, verifyGithub } = setup();
  const parsedThenStringified = JSON.stringify(JSON.parse(sent));
  assert.notEqual(parsedThenStringified, sent);
  assert.equal(await verifyGithub(secret, parsedThenStringified, await sign(secret, sent)), false);
  assert.deepEqual(spanCauses(h), ['body_reserialized']);
  assert.deepEqual(await counted(h, 'github'), { 'signature_mismatch/body_reserialized/unknown': 1 });
  await h.shutdown();
});

test('probot#1955: a parsed body handed to verify → TypeError internal_error, cause body_not_raw', async () => {
  const { h, verifyGithub } = setup();
  const err = await failing(() => verifyGithub(secret, JSON.parse(sent), 'sha256=00'));
  assert.ok(err instanceof TypeError);
  // String(req.body): "[object Object]" is a string, so octokit answers false; still not a raw body.
  assert.equal(await verifyGithub(secret, String(JSON.parse(sent)), await sign(secret, sent)), false);
  assert.deepEqual(spanCauses(h), ['body_not_raw', 'body_not_raw']);
  assert.deepEqual(await counted(h, 'github'), { 'internal_error/body_not_raw/unknown': 1, 'signature_mismatch/body_not_raw/unknown': 1 });
  await h.shutdown();
});

test('octokit/webhooks.js#1155: UTF-8 read as Latin-1 → body_encoding', async () => {
  const { h, verifyGithub } = setup();
  const utf8 = '{"title":"Café – crème"}';
  assert.equal(await verifyGithub(secret, Buffer.from(utf8).toString('latin1'), await sign(secret, utf8)), false);
  assert.deepEqual(spanCauses(h), ['body_encoding']);
  await h.shutdown();
});

test('probot#1974: the secret from an env var with quotes / a trailing newline → secret_format; a rotated secret → signed_with_other_key', async () => {
  const previous = 'github-webhook-secret-previous-99';
  const { h, verifyGithub } = setup({ diagnose: { otherSecrets: [{ id: 'previous', secret: previous }] } });
  assert.equal(await verifyGithub(`'${secret}'\n`, sent, await sign(secret, sent)), false);
  assert.equal(await verifyGithub(secret, sent, await sign(previous, sent)), false);
  assert.deepEqual(spanCauses(h), ['secret_format', 'signed_with_other_key@previous']);
  await h.shutdown();
});

test('no false diagnosis: wrong secret, tampered body → undiagnosed; a valid call has no cause', async () => {
  const { h, verifyGithub } = setup();
  assert.equal(await verifyGithub(secret, sent, await sign(secret, sent)), true);
  assert.equal(await verifyGithub(secret, sent, await sign('someone-elses-secret-000000', sent)), false);
  assert.equal(await verifyGithub(secret, sent.replace('opened', 'deleted'), await sign(secret, sent)), false);
  assert.deepEqual(spanCauses(h), ['', 'undiagnosed', 'undiagnosed']);
  await h.shutdown();
});
