import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { SpanStatusCode } from '@opentelemetry/api';
import { instrumentSigner } from '../src/wrap/signer.js';
import { instrumentKms } from '../src/wrap/kms.js';
import { classifyKmsError } from '../src/wrap/kms-reasons.js';
import { instrumentKeyStore } from '../src/wrap/keystore.js';
import { HmacAuthError } from '../src/errors.js';
import { harness } from './otel-harness.js';

const keyFor = (p: { attributes: Record<string, unknown> }) => `${p.attributes['hmac.outcome']}/${p.attributes['error.type'] ?? '-'}`;

test('signer: same signature back, counted by key and outcome, timed, hmac.sign span', async () => {
  const h = harness();
  const sign = (keyId: string, body: string) => {
    if (keyId === 'gone') throw new HmacAuthError('revoked_key');
    return `${keyId}:${createHmac('sha256', 's3cret').update(body).digest('base64')}`;
  };
  const signer = instrumentSigner(sign, { ...h.providers, scheme: 'custom-v1', keyId: (id) => id });
  const expected = sign('k1', 'body');
  assert.equal(signer('k1', 'body'), expected);
  assert.throws(() => signer('gone', 'body'), (e) => e instanceof HmacAuthError && e.reason === 'revoked_key');

  const counts = await h.find('hmac.auth.signings');
  assert.deepEqual(
    counts.map((p) => [p.attributes['hmac.key_id'], keyFor(p), p.value]).sort(),
    [
      ['k1', 'accepted/-', 1],
      ['unknown', 'rejected/revoked_key', 1],
    ],
    'k1 learned by signing successfully; the failing key ID never was',
  );
  const durations = await h.find('hmac.auth.signing.duration');
  assert.equal(durations.length, 2);
  assert.ok(durations.every((d) => d.unit === 's' && d.value === 1));
  const spans = h.spans();
  assert.deepEqual(spans.map((s) => s.name), ['hmac.sign', 'hmac.sign']);
  assert.equal(spans[1]!.status.code, SpanStatusCode.ERROR);
  assert.equal(spans[1]!.attributes['error.type'], 'revoked_key');
  await h.shutdown();
});

test('async signer stays asynchronous and resolves with the same value', async () => {
  const h = harness();
  const signature = { value: 'sig' };
  const signer = instrumentSigner(async () => signature, h.providers);
  const p = signer();
  assert.ok(p instanceof Promise);
  assert.equal(await p, signature);
  const [count] = await h.find('hmac.auth.signings');
  assert.equal(count!.value, 1);
  await h.shutdown();
});

test('KMS: provider/operation attributes, kms.<operation> span, errors classified as KMS failures', async () => {
  const h = harness();
  // Simulated KMS (a stand-in for a cloud KMS client): fails the way AWS SDK v3 / Node sockets do.
  const failures: Record<string, () => Error> = {
    timeout: () => Object.assign(new Error('timed out'), { name: 'TimeoutError' }),
    throttled: () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }),
    unavailable: () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    http503: () => Object.assign(new Error('Service Unavailable'), { statusCode: 503 }),
    other: () => new Error('AccessDenied'),
  };
  const simulatedKms = async (mode: string): Promise<Uint8Array> => {
    await new Promise((r) => setImmediate(r));
    const make = failures[mode];
    if (make) throw make();
    return new Uint8Array([1, 2, 3]);
  };
  const decrypt = instrumentKms(simulatedKms, { ...h.providers, provider: 'aws-kms', operation: 'decrypt' });
  assert.deepEqual(await decrypt('ok'), new Uint8Array([1, 2, 3]));
  for (const mode of Object.keys(failures)) {
    await assert.rejects(decrypt(mode), (e) => e instanceof Error);
  }
  const points = await h.find('hmac.kms.operations');
  assert.ok(points.every((p) => p.attributes['hmac.kms.provider'] === 'aws-kms' && p.attributes['hmac.kms.operation'] === 'decrypt'));
  assert.deepEqual(Object.fromEntries(points.map((p) => [keyFor(p), p.value])), {
    'accepted/-': 1,
    'error/kms_timeout': 1,
    'error/kms_throttled': 1,
    'error/kms_unavailable': 2,
    'error/kms_error': 1,
  });
  const durations = await h.find('hmac.kms.operation.duration');
  assert.deepEqual(durations.map((d) => [d.attributes['hmac.outcome'], d.value]).sort(), [['accepted', 1], ['error', 5]]);
  assert.ok(h.spans().every((s) => s.name === 'hmac.kms.decrypt'));
  await h.shutdown();
});

test('classifyKmsError keeps a taxonomy reason carried by HmacAuthError', () => {
  assert.equal(classifyKmsError(new HmacAuthError('kms_throttled')), 'kms_throttled');
  assert.equal(classifyKmsError('string thrown'), 'kms_error');
  assert.equal(classifyKmsError(Object.assign(new Error('x'), { status: 429 })), 'kms_throttled');
  assert.equal(classifyKmsError(Object.assign(new Error('x'), { code: 'DEADLINE_EXCEEDED' })), 'kms_timeout');
});

test('KMS options are required tokens', () => {
  assert.throws(() => instrumentKms(() => 1, { provider: '', operation: 'decrypt' }), TypeError);
  assert.throws(() => instrumentKms(() => 1, undefined as never), TypeError);
});

test('key store: reads audited by key ID, store name and outcome; missing keys are rejected', async () => {
  const h = harness();
  const store = new Map([['k1', 'secret-one']]);
  let outage = false;
  // Simulated secrets manager: answers from a map, or fails like an HTTP 503 during an outage.
  const read = async (id: string): Promise<string | undefined> => {
    if (outage) throw Object.assign(new Error('Service Unavailable'), { statusCode: 503 });
    return store.get(id);
  };
  const getKey = instrumentKeyStore(read, { ...h.providers, name: 'vault' });
  assert.equal(await getKey('k1'), 'secret-one');
  assert.equal(await getKey('k1'), 'secret-one');
  assert.equal(await getKey('forged'), undefined);
  outage = true;
  await assert.rejects(getKey('k1'));
  const points = await h.find('hmac.keystore.reads');
  assert.deepEqual(
    points.map((p) => [p.attributes['hmac.key_id'], p.attributes['hmac.keystore.name'], p.attributes['hmac.outcome'], p.value]).sort(),
    [
      ['k1', 'vault', 'accepted', 2],
      ['k1', 'vault', 'error', 1],
      ['unknown', 'vault', 'rejected', 1],
    ],
  );
  assert.ok(points.every((p) => !('error.type' in p.attributes)), 'the key-store counter has no error.type');
  const spans = h.spans();
  assert.ok(spans.every((s) => s.name === 'hmac.keystore.read'));
  assert.equal(spans.find((s) => s.attributes['hmac.outcome'] === 'rejected')!.attributes['error.type'], 'unknown_key');
  await h.shutdown();
});
