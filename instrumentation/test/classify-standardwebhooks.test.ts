// The default classifier against the real `standardwebhooks` and `svix` libraries: every way
// `Webhook.verify` fails. Svix bundles its own standardwebhooks, so `instanceof` fails across them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Webhook as StandardWebhook, WebhookVerificationError } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { classifyError } from '../src/classify/index.js';
import type { FailureReason } from '../src/contract.js';
import { instrumentVerifier } from '../src/index.js';
import { harness } from './otel-harness.js';
import { assertExported } from './classify-wrapped-support.js';

const secret = 'whsec_' + randomBytes(24).toString('base64');
const otherSecret = 'whsec_' + randomBytes(24).toString('base64');
const payload = JSON.stringify({ type: 'invoice.paid', id: 42 });
const nowSeconds = () => Math.floor(Date.now() / 1000);

function reasonOf(fn: () => unknown): FailureReason {
  try {
    fn();
  } catch (err) {
    return classifyError(err);
  }
  assert.fail('expected the verifier to throw');
}

type Flavour = {
  name: string;
  make: (s: string) => { verify(p: string, h: Record<string, string>): unknown; sign(id: string, ts: Date, p: string): string };
  prefix: 'webhook' | 'svix';
};

const flavours: Flavour[] = [
  { name: 'standardwebhooks', make: (s) => new StandardWebhook(s), prefix: 'webhook' },
  { name: 'svix', make: (s) => new SvixWebhook(s), prefix: 'svix' },
];

for (const { name, make, prefix } of flavours) {
  const wh = make(secret);
  const headersFor = (opts: { id?: string; ts?: number; sigSecret?: string; body?: string } = {}) => {
    const id = opts.id ?? 'msg_1';
    const ts = opts.ts ?? nowSeconds();
    const signature = make(opts.sigSecret ?? secret).sign(id, new Date(ts * 1000), opts.body ?? payload);
    return { [`${prefix}-id`]: id, [`${prefix}-timestamp`]: String(ts), [`${prefix}-signature`]: signature };
  };
  const without = (h: Record<string, string>, key: string) => {
    const copy = { ...h };
    delete copy[`${prefix}-${key}`];
    return copy;
  };

  test(`${name}: a valid signature is accepted`, () => {
    assert.deepEqual(wh.verify(payload, headersFor()), JSON.parse(payload));
  });

  test(`${name}: missing signature, id or timestamp header → missing_signature`, () => {
    for (const key of ['signature', 'id', 'timestamp']) {
      assert.equal(reasonOf(() => wh.verify(payload, without(headersFor(), key))), 'missing_signature', key);
    }
  });

  test(`${name}: non-numeric timestamp header → malformed_signature`, () => {
    const h = { ...headersFor(), [`${prefix}-timestamp`]: 'yesterday' };
    assert.equal(reasonOf(() => wh.verify(payload, h)), 'malformed_signature');
  });

  test(`${name}: timestamp too old or too new → timestamp_skew`, () => {
    assert.equal(reasonOf(() => wh.verify(payload, headersFor({ ts: nowSeconds() - 3600 }))), 'timestamp_skew');
    assert.equal(reasonOf(() => wh.verify(payload, headersFor({ ts: nowSeconds() + 3600 }))), 'timestamp_skew');
  });

  test(`${name}: wrong secret, altered body, altered id, no v1 entry → signature_mismatch`, () => {
    assert.equal(reasonOf(() => wh.verify(payload, headersFor({ sigSecret: otherSecret }))), 'signature_mismatch');
    assert.equal(reasonOf(() => wh.verify(payload + ' ', headersFor())), 'signature_mismatch');
    assert.equal(reasonOf(() => wh.verify(payload, { ...headersFor(), [`${prefix}-id`]: 'msg_2' })), 'signature_mismatch');
    const v2Only = { ...headersFor(), [`${prefix}-signature`]: 'v2,AAAA' };
    assert.equal(reasonOf(() => wh.verify(payload, v2Only)), 'signature_mismatch');
  });
}

test('svix and standardwebhooks error classes differ (instanceof fails), the classifier still agrees', () => {
  let svixError: unknown;
  try {
    new SvixWebhook(secret).verify(payload, {});
  } catch (err) {
    svixError = err;
  }
  assert.ok(svixError instanceof Error);
  assert.equal((svixError as Error).name, 'WebhookVerificationError');
  assert.equal(svixError instanceof WebhookVerificationError, false, 'svix bundles its own copy');
  assert.equal(classifyError(svixError), 'missing_signature');
});

test('a verified but non-JSON body is not an auth failure: internal_error', () => {
  const wh = new StandardWebhook(secret);
  const body = 'not json';
  const h = { 'webhook-id': 'm', 'webhook-timestamp': String(nowSeconds()), 'webhook-signature': wh.sign('m', new Date(), body) };
  assert.equal(reasonOf(() => wh.verify(body, h)), 'internal_error');
});

for (const { name, make, prefix } of flavours) {
  test(`${name} wrapped with instrumentVerifier and the real SDK: exported error.type/outcome per failure`, async () => {
    const h = harness();
    const wh = make(secret);
    const verify = instrumentVerifier(wh.verify.bind(wh), {
      ...h.providers,
      scheme: name,
      timestamp: (_p: string, headers: Record<string, string>) => headers[`${prefix}-timestamp`],
    });
    const sign = (ts: number, s = secret) => ({
      [`${prefix}-id`]: 'msg_9',
      [`${prefix}-timestamp`]: String(ts),
      [`${prefix}-signature`]: make(s).sign('msg_9', new Date(ts * 1000), payload),
    });
    const calls: Array<[() => unknown, FailureReason | 'accepted']> = [
      [() => verify(payload, sign(nowSeconds())), 'accepted'],
      [() => verify(payload, {}), 'missing_signature'],
      [() => verify(payload, { ...sign(nowSeconds()), [`${prefix}-timestamp`]: 'x' }), 'malformed_signature'],
      [() => verify(payload, sign(nowSeconds() - 3600)), 'timestamp_skew'],
      [() => verify(payload, sign(nowSeconds() + 3600)), 'timestamp_skew'],
      [() => verify(payload, sign(nowSeconds(), otherSecret)), 'signature_mismatch'],
      [() => verify(payload + 'x', sign(nowSeconds())), 'signature_mismatch'],
    ];
    for (const [call, expected] of calls) {
      if (expected === 'accepted') assert.deepEqual(call(), JSON.parse(payload));
      else assert.equal(reasonOf(call), expected);
    }
    await assertExported(h, name, calls.map(([, r]) => r));
    await h.shutdown();
  });
}
