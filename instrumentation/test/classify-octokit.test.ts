// The default classifier against the real `@octokit/webhooks-methods`: `verify` resolves false for
// a wrong or malformed signature and rejects with a TypeError when the signature is missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sign, verify } from '@octokit/webhooks-methods';
import { classifyError, rejectUnlessTrue } from '../src/classify/index.js';
import { HmacAuthError } from '../src/errors.js';
import type { FailureReason } from '../src/contract.js';
import { instrumentVerifier } from '../src/index.js';
import { harness } from './otel-harness.js';
import { assertExported } from './classify-wrapped-support.js';

const secret = 'github-webhook-secret-for-tests';
const payload = JSON.stringify({ action: 'opened', number: 7 });

test('a valid x-hub-signature-256 verifies', async () => {
  assert.equal(await verify(secret, payload, await sign(secret, payload)), true);
});

test('wrong secret, altered body or malformed signature resolve false (no error to classify)', async () => {
  assert.equal(await verify(secret, payload, await sign('another-secret', payload)), false);
  assert.equal(await verify(secret, payload + ' ', await sign(secret, payload)), false);
  assert.equal(await verify(secret, payload, 'sha256=not-hex'), false);
  assert.equal(await verify(secret, payload, 'garbage'), false);
});

test('missing signature → TypeError → missing_signature', async () => {
  for (const missing of [undefined, '']) {
    await assert.rejects(verify(secret, payload, missing as unknown as string), (err) => {
      assert.ok(err instanceof TypeError);
      assert.equal(classifyError(err), 'missing_signature');
      return true;
    });
  }
});

test('a non-string payload is the application’s mistake → internal_error', async () => {
  await assert.rejects(verify(secret, Buffer.from(payload) as unknown as string, 'sha256=00'), (err) => {
    assert.equal(classifyError(err), 'internal_error');
    return true;
  });
});

test('other TypeErrors are not mistaken for octokit’s', () => {
  assert.equal(classifyError(new TypeError('secret, eventPayload & signature required')), 'internal_error');
});

test('rejectUnlessTrue turns false into HmacAuthError(signature_mismatch) and keeps true', async () => {
  const strict = rejectUnlessTrue(verify);
  assert.equal(await strict(secret, payload, await sign(secret, payload)), true);
  await assert.rejects(strict(secret, payload, await sign('wrong', payload)), (err) => {
    assert.ok(err instanceof HmacAuthError);
    assert.equal(classifyError(err), 'signature_mismatch');
    return true;
  });
  // A malformed signature can be given its own reason when the caller checks the format first.
  const malformed = rejectUnlessTrue(verify, 'malformed_signature');
  await assert.rejects(malformed(secret, payload, 'garbage'), (err) => classifyError(err) === 'malformed_signature');
  // The missing-signature TypeError passes through untouched.
  await assert.rejects(strict(secret, payload, ''), (err) => classifyError(err) === 'missing_signature');
});

test('rejectUnlessTrue stays synchronous for synchronous verifiers', () => {
  const syncVerify = (sig: string) => sig === 'ok';
  const strict = rejectUnlessTrue(syncVerify);
  assert.equal(strict('ok'), true);
  assert.throws(() => strict('no'), (err) => classifyError(err) === 'signature_mismatch');
});

test('wrapped with instrumentVerifier (isAccepted) and the real SDK: false → signature_mismatch, TypeError → missing_signature', async () => {
  const h = harness();
  const wrapped = instrumentVerifier(verify, { ...h.providers, scheme: 'github', isAccepted: (ok) => ok === true });
  const good = await sign(secret, payload);
  const calls: Array<[() => Promise<boolean>, FailureReason | 'accepted']> = [
    [() => wrapped(secret, payload, good), 'accepted'],
    [() => wrapped(secret, payload, 'sha256=00'), 'signature_mismatch'],
    [() => wrapped(secret, payload + ' ', good), 'signature_mismatch'],
    [() => wrapped(secret, payload, ''), 'missing_signature'],
  ];
  for (const [call, expected] of calls) {
    if (expected === 'missing_signature') await assert.rejects(call(), TypeError);
    else assert.equal(await call(), expected === 'accepted', 'the boolean comes back unchanged');
  }
  await assertExported(h, 'github', calls.map(([, r]) => r));
  await h.shutdown();
});
