import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { SpanStatusCode } from '@opentelemetry/api';
import { verify as octokitVerify, sign as octokitSign } from '@octokit/webhooks-methods';
import { instrumentVerifier } from '../src/wrap/verifier.js';
import { HmacAuthError } from '../src/errors.js';
import { harness } from './otel-harness.js';

const VERIFICATIONS = 'hmac.auth.verifications';
const DURATION = 'hmac.auth.verification.duration';

interface Req {
  keyId?: string;
  body: string;
  mac?: string;
  ts?: number;
  client?: string;
}

const SECRETS: Record<string, string> = { k1: 'secret-one', k2: 'secret-two' };

function macOf(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** A small synchronous verifier in the style of Stripe's constructEvent: returns the payload or throws. */
function verifySync(req: Req): { ok: true; body: string } {
  if (req.mac === undefined) throw new HmacAuthError('missing_signature');
  const secret = req.keyId === undefined ? undefined : SECRETS[req.keyId];
  if (secret === undefined) throw new HmacAuthError('unknown_key');
  const expected = Buffer.from(macOf(secret, req.body), 'hex');
  const given = Buffer.from(req.mac, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new HmacAuthError('signature_mismatch');
  return { ok: true, body: req.body };
}

async function verifyAsync(req: Req): Promise<{ ok: true; body: string }> {
  await new Promise((r) => setImmediate(r));
  return verifySync(req);
}

const good = (keyId = 'k1', body = 'hello'): Req => ({ keyId, body, mac: macOf(SECRETS[keyId]!, body) });

test('sync verifier: same return value, stays synchronous, counted as accepted with the key ID, timed, traced', async () => {
  const h = harness();
  const wrapped = instrumentVerifier(verifySync, { ...h.providers, scheme: 'custom-v1', keyId: (r) => r.keyId, knownKeyIds: ['k1', 'k2'] });
  const result = wrapped(good());
  assert.ok(!(result instanceof Promise), 'a synchronous verifier must stay synchronous');
  assert.deepEqual(result, { ok: true, body: 'hello' });

  const counts = await h.find(VERIFICATIONS);
  assert.equal(counts.length, 1);
  assert.deepEqual(counts[0]!.attributes, { 'hmac.scheme': 'custom-v1', 'hmac.key_id': 'k1', 'hmac.outcome': 'accepted' });
  assert.equal(counts[0]!.value, 1);
  assert.equal(counts[0]!.kind, 'sum');

  const durations = await h.find(DURATION);
  assert.equal(durations.length, 1);
  assert.deepEqual(durations[0]!.attributes, { 'hmac.scheme': 'custom-v1', 'hmac.key_id': 'k1', 'hmac.outcome': 'accepted' });
  assert.equal(durations[0]!.value, 1);
  assert.equal(durations[0]!.unit, 's');
  assert.ok(durations[0]!.sum! >= 0 && durations[0]!.sum! < 1, 'duration is in seconds');
  assert.ok(durations[0]!.buckets!.boundaries.includes(0.005) && durations[0]!.buckets!.boundaries.includes(0.03));

  const [span, ...rest] = h.spans();
  assert.equal(rest.length, 0);
  assert.equal(span!.name, 'hmac.verify');
  assert.equal(span!.attributes['hmac.scheme'], 'custom-v1');
  assert.equal(span!.attributes['hmac.key_id'], 'k1');
  assert.equal(span!.attributes['hmac.outcome'], 'accepted');
  assert.equal(span!.status.code, SpanStatusCode.UNSET);
  await h.shutdown();
});

test('sync verifier: rethrows the very same error object and records reason, outcome and error class', async () => {
  const h = harness();
  const original = new HmacAuthError('signature_mismatch', 'mac differs for k1 (detail that must stay off spans)');
  const wrapped = instrumentVerifier(
    (_r: Req) => {
      throw original;
    },
    { ...h.providers, scheme: 'custom-v1', keyId: (r) => r.keyId, knownKeyIds: ['k1'] },
  );
  let thrown: unknown;
  try {
    wrapped(good());
  } catch (err) {
    thrown = err;
  }
  assert.equal(thrown, original);

  const [count] = await h.find(VERIFICATIONS);
  assert.deepEqual(count!.attributes, {
    'hmac.scheme': 'custom-v1',
    'hmac.key_id': 'k1',
    'hmac.outcome': 'rejected',
    'error.type': 'signature_mismatch',
  });
  const [duration] = await h.find(DURATION);
  assert.deepEqual(duration!.attributes, { 'hmac.scheme': 'custom-v1', 'hmac.key_id': 'k1', 'hmac.outcome': 'rejected' });

  const [span] = h.spans();
  assert.equal(span!.status.code, SpanStatusCode.ERROR);
  assert.equal(span!.status.message, 'signature_mismatch');
  assert.equal(span!.attributes['error.type'], 'signature_mismatch');
  assert.equal(span!.attributes['hmac.error.class'], 'HmacAuthError');
  assert.equal(span!.events.length, 0, 'no exception event (it would carry the message) by default');
  assert.ok(!JSON.stringify(span!.attributes).includes('detail that must stay off'));
  await h.shutdown();
});

test('recordErrorMessages: true puts the message on the span status and an exception event', async () => {
  const h = harness();
  const original = new HmacAuthError('timestamp_skew', 'timestamp 900 s old');
  const wrapped = instrumentVerifier(() => {
    throw original;
  }, { ...h.providers, recordErrorMessages: true });
  assert.throws(() => wrapped(), (e) => e === original);
  const [span] = h.spans();
  assert.equal(span!.status.message, 'timestamp 900 s old');
  assert.equal(span!.events[0]!.name, 'exception');
  await h.shutdown();
});

test('async verifier: resolves with the very same value, metrics are recorded before the caller resumes', async () => {
  const h = harness();
  const wrapped = instrumentVerifier(verifyAsync, { ...h.providers, scheme: 'custom-v1', keyId: (r) => r.keyId, knownKeyIds: ['k1'] });
  const payload = { ok: true as const, body: 'x' };
  const same = instrumentVerifier(async () => payload, h.providers);
  const p = same();
  assert.ok(p instanceof Promise, 'a promise-returning verifier stays asynchronous');
  assert.equal(await p, payload, 'the very same value object');

  const result = await wrapped(good());
  assert.deepEqual(result, { ok: true, body: 'hello' });
  const [count] = await h.find(VERIFICATIONS, { 'hmac.scheme': 'custom-v1' });
  assert.equal(count!.value, 1, 'counted by the time await returns');
  assert.equal(count!.attributes['hmac.outcome'], 'accepted');
  await h.shutdown();
});

test('async verifier: a rejection the caller does not handle stays an unhandled rejection', async () => {
  // In a child process, because the test runner itself traps unhandled rejections.
  const { spawnSync } = await import('node:child_process');
  const script = `
    import { instrumentVerifier, HmacAuthError } from '@hmac-slo/instrumentation';
    const wrapped = instrumentVerifier(async () => { throw new HmacAuthError('replay', 'marker-7731'); });
    wrapped(); // the caller forgets to handle it, exactly as it could with the bare verifier
  `;
  const child = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: new URL('../..', import.meta.url),
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.notEqual(child.status, 0, 'Node still crashes on the unhandled rejection');
  assert.match(child.stderr, /marker-7731/);
});

test('async verifier: rejects with the very same error object', async () => {
  const h = harness();
  const wrapped = instrumentVerifier(verifyAsync, { ...h.providers, keyId: (r) => r.keyId, knownKeyIds: ['k1', 'k2'] });
  const forged = { ...good('k2'), mac: macOf('wrong', 'hello') };
  let original: unknown;
  try {
    await verifyAsync(forged);
  } catch (e) {
    original = e;
  }
  await assert.rejects(wrapped(forged), (e) => e instanceof HmacAuthError && e.reason === (original as HmacAuthError).reason);

  const failure = new HmacAuthError('replay');
  const rejecting = instrumentVerifier(async () => {
    throw failure;
  }, h.providers);
  await assert.rejects(rejecting(), (e) => e === failure);

  const points = await h.find(VERIFICATIONS);
  const byReason = Object.fromEntries(points.map((p) => [p.attributes['error.type'], p.value]));
  assert.deepEqual(byReason, { signature_mismatch: 1, replay: 1 });
  await h.shutdown();
});

test('unrecognised errors are internal_error with outcome error; classify overrides the default', async () => {
  const h = harness();
  const boom = new RangeError('kaboom');
  const plain = instrumentVerifier(() => {
    throw boom;
  }, { ...h.providers, scheme: 'a' });
  assert.throws(() => plain(), (e) => e === boom);
  const custom = instrumentVerifier(() => {
    throw boom;
  }, { ...h.providers, scheme: 'b', classify: (e) => (e instanceof RangeError ? 'kms_timeout' : 'internal_error') });
  assert.throws(() => custom(), (e) => e === boom);
  const broken = instrumentVerifier(() => {
    throw boom;
  }, { ...h.providers, scheme: 'c', classify: () => 'no_such_reason' as never });
  assert.throws(() => broken(), (e) => e === boom);

  const a = await h.find(VERIFICATIONS, { 'hmac.scheme': 'a' });
  assert.deepEqual(a.map((p) => [p.attributes['hmac.outcome'], p.attributes['error.type']]), [['error', 'internal_error']]);
  const b = await h.find(VERIFICATIONS, { 'hmac.scheme': 'b' });
  assert.deepEqual(b.map((p) => [p.attributes['hmac.outcome'], p.attributes['error.type']]), [['error', 'kms_timeout']]);
  const c = await h.find(VERIFICATIONS, { 'hmac.scheme': 'c' });
  assert.deepEqual(c.map((p) => p.attributes['error.type']), ['internal_error'], 'an invalid classification falls back to internal_error');
  const [span] = h.spans();
  assert.equal(span!.attributes['hmac.error.class'], 'RangeError');
  await h.shutdown();
});

test('boolean verifier (@octokit/webhooks-methods): isAccepted decides, false counts as signature_mismatch', async () => {
  const h = harness();
  const secret = 'octo-secret';
  const payload = JSON.stringify({ action: 'opened' });
  const signature = await octokitSign(secret, payload);
  const wrapped = instrumentVerifier(octokitVerify, { ...h.providers, scheme: 'github', isAccepted: (ok) => ok === true });

  assert.equal(await wrapped(secret, payload, signature), true);
  assert.equal(await wrapped(secret, payload + ' ', signature), false, 'the boolean verdict is passed through');
  assert.equal(await wrapped('other-secret', payload, signature), false);

  const points = await h.find(VERIFICATIONS, { 'hmac.scheme': 'github' });
  const summary = Object.fromEntries(points.map((p) => [`${p.attributes['hmac.outcome']}/${p.attributes['error.type'] ?? '-'}`, p.value]));
  assert.deepEqual(summary, { 'accepted/-': 1, 'rejected/signature_mismatch': 2 });

  // A missing signature makes octokit throw; the very same error must come back to the caller.
  let original: unknown;
  try {
    await octokitVerify(secret, payload, undefined as unknown as string);
  } catch (e) {
    original = e;
  }
  assert.ok(original instanceof Error);
  await assert.rejects(wrapped(secret, payload, undefined as unknown as string), (e) => e instanceof (original as Error).constructor && (e as Error).message === (original as Error).message);
  await h.shutdown();
});

test('rejectedReason names the reason for a false verdict', async () => {
  const h = harness();
  const wrapped = instrumentVerifier((r: { fresh: boolean }) => r.fresh, {
    ...h.providers,
    isAccepted: (ok) => ok,
    rejectedReason: 'replay',
  });
  assert.equal(wrapped({ fresh: false }), false);
  const fn = instrumentVerifier((n: number) => n, { ...h.providers, scheme: 'fn', isAccepted: (n) => n > 0, rejectedReason: (n) => (n === 0 ? 'missing_signature' : 'malformed_signature') });
  fn(0);
  fn(-1);
  const points = await h.find(VERIFICATIONS);
  const reasons = points.map((p) => `${p.attributes['hmac.scheme']}:${p.attributes['error.type']}`).sort();
  assert.deepEqual(reasons, ['fn:malformed_signature', 'fn:missing_signature', 'hmac:replay']);
  assert.throws(() => instrumentVerifier(() => true, { rejectedReason: 'nope' as never }), TypeError);
  await h.shutdown();
});

test('timestamp feeds hmac.auth.clock_skew (absolute seconds) for accepted and timestamp_skew requests only; clientId goes on the span only', async () => {
  const h = harness();
  const nowS = Math.floor(Date.now() / 1000);
  // Signature first, then the 300 s window — the order that makes skew a signal only genuine requests feed.
  const verifyWithWindow = (r: Req) => {
    verifySync(r);
    if (r.ts !== undefined && Math.abs(Date.now() / 1000 - r.ts) > 300) throw new HmacAuthError('timestamp_skew');
    return true;
  };
  const wrapped = instrumentVerifier(verifyWithWindow, {
    ...h.providers,
    scheme: 'skewed',
    keyId: (r) => r.keyId,
    knownKeyIds: ['k1'],
    timestamp: (r) => r.ts,
    clientId: (r) => r.client,
  });
  wrapped({ ...good(), ts: nowS - 120, client: 'tenant-42' });
  wrapped({ ...good(), ts: nowS + 40, client: 'tenant-42' });
  assert.throws(() => wrapped({ ...good(), ts: nowS - 1000 }), (e) => e instanceof HmacAuthError && e.reason === 'timestamp_skew');
  // A forged request's timestamp is not vouched for by anyone: it must not move the skew histogram.
  assert.throws(() => wrapped({ ...good(), mac: macOf('forged', 'hello'), ts: nowS - 86_400 }));
  wrapped({ ...good() }); // no timestamp: nothing recorded

  const [skew] = await h.find('hmac.auth.clock_skew');
  assert.deepEqual(skew!.attributes, { 'hmac.scheme': 'skewed' });
  assert.equal(skew!.value, 3);
  assert.ok(Math.abs(skew!.sum! - 1160) <= 3, `sum of |skew| ≈ 120 + 40 + 1000 s, got ${skew!.sum}`);
  assert.equal(skew!.unit, 's');

  const all = await h.collect();
  for (const p of all) assert.ok(!Object.values(p.attributes).includes('tenant-42'), `client ID leaked into ${p.name}`);
  assert.ok(all.every((p) => !('hmac.client.id' in p.attributes)));
  assert.equal(h.spans()[0]!.attributes['hmac.client.id'], 'tenant-42');
  await h.shutdown();
});

test('keeps `this`, the function name and arity; extractor failures never break verification', async () => {
  const h = harness();
  const obj = {
    secret: 'x',
    check(this: { secret: string }, a: string, b: string) {
      return `${this.secret}:${a}:${b}`;
    },
  };
  obj.check = instrumentVerifier(obj.check, {
    ...h.providers,
    keyId: () => {
      throw new Error('bad extractor');
    },
    timestamp: () => {
      throw new Error('bad extractor');
    },
    clientId: () => {
      throw new Error('bad extractor');
    },
  });
  assert.equal(obj.check('a', 'b'), 'x:a:b');
  assert.equal(obj.check.name, 'check');
  assert.equal(obj.check.length, 2);
  const [count] = await h.find(VERIFICATIONS);
  assert.equal(count!.attributes['hmac.key_id'], 'unknown');
  await h.shutdown();
});

test('scheme must be a token chosen in code', () => {
  assert.throws(() => instrumentVerifier(() => true, { scheme: 'has space' }), TypeError);
  assert.throws(() => instrumentVerifier(() => true, { scheme: '' }), TypeError);
});

test('a recording span becomes the active parent of spans started inside the verifier', async () => {
  const h = harness();
  const { AsyncLocalStorageContextManager } = await import('./context-manager.js');
  const { context, trace } = await import('@opentelemetry/api');
  const manager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(manager);
  try {
    const tracer = h.tracerProvider.getTracer('inner');
    const wrapped = instrumentVerifier(() => {
      tracer.startSpan('inner-work').end();
      return trace.getActiveSpan()?.spanContext().spanId;
    }, h.providers);
    const activeId = wrapped();
    const spans = h.spans();
    const outer = spans.find((s) => s.name === 'hmac.verify')!;
    const inner = spans.find((s) => s.name === 'inner-work')!;
    assert.equal(activeId, outer.spanContext().spanId);
    assert.equal(inner.parentSpanContext?.spanId, outer.spanContext().spanId);
  } finally {
    context.disable();
    await h.shutdown();
  }
});

test('verifiedKeyId: success takes the key ID from the result; keyId(...args) runs only for failures', async () => {
  const h = harness();
  let extractions = 0;
  const wrapped = instrumentVerifier(
    (r: Req) => ({ keyId: verifySync(r) && r.keyId }),
    {
      ...h.providers,
      knownKeyIds: ['k1', 'k2'],
      verifiedKeyId: (result) => result.keyId,
      keyId: (r) => {
        extractions++;
        return r.keyId;
      },
    },
  );
  wrapped(good('k1'));
  wrapped(good('k2'));
  assert.equal(extractions, 0, 'no header parsing on the success path');
  assert.throws(() => wrapped({ ...good('k2'), mac: macOf('wrong', 'hello') }));
  assert.equal(extractions, 1);
  const points = await h.find(VERIFICATIONS);
  assert.deepEqual(
    points.map((p) => `${p.attributes['hmac.key_id']}/${p.attributes['hmac.outcome']}`).sort(),
    ['k1/accepted', 'k2/accepted', 'k2/rejected'],
  );
  await h.shutdown();
});

test('the reference verifier advertises its verified key ID: a drop-in wrap skips the header parse on success', async () => {
  const { createHmacSigner, createHmacVerifier, createKeyRing, claimedKeyId } = await import('../src/reference/index.js');
  const { VERIFIED_KEY_ID } = await import('../src/verified-key-id.js');
  const h = harness();
  const secret = 'a-secret-of-at-least-16-bytes';
  const keyRing = createKeyRing([{ id: 'key-a', secret }]);
  const reference = createHmacVerifier({ keyRing });
  assert.equal(typeof (reference as unknown as Record<symbol, unknown>)[VERIFIED_KEY_ID], 'function');
  let parses = 0;
  const keyId = (r: Parameters<typeof reference>[0]) => {
    parses++;
    return claimedKeyId(r);
  };
  const dropIn = instrumentVerifier(reference, { ...h.providers, keyRing, keyId });
  // Hidden behind an arrow function, the verifier advertises nothing: keyId runs for every call.
  const hidden = instrumentVerifier((r: Parameters<typeof reference>[0]) => reference(r), { ...h.providers, keyRing, keyId });
  const request = () => {
    const r = { method: 'POST', path: '/orders', headers: {} as Record<string, string>, body: '{"id":1}' };
    Object.assign(r.headers, createHmacSigner({ keyId: 'key-a', secret })(r));
    return r;
  };
  assert.equal(dropIn(request()).keyId, 'key-a');
  assert.equal(parses, 0, 'success: the key ID came from the verified result');
  const forged = request();
  forged.body = '{"id":2}';
  assert.throws(() => dropIn(forged), { name: 'HmacAuthError' });
  assert.equal(parses, 1, 'failure: the claimed key ID is parsed');
  hidden(request());
  assert.equal(parses, 2);
  const points = await h.find(VERIFICATIONS);
  assert.deepEqual(
    points.map((p) => `${p.attributes['hmac.key_id']}/${p.attributes['hmac.outcome']}/${p.attributes['error.type'] ?? ''}/${p.value}`).sort(),
    ['key-a/accepted//2', 'key-a/rejected/digest_mismatch/1'],
  );
  await h.shutdown();
});

test('the check of an unsampled parent is per span context: a valid one seen before skips the span, an invalid one does not', async () => {
  const h = harness();
  const { AsyncLocalStorageContextManager } = await import('./context-manager.js');
  const { context, trace, TraceFlags, INVALID_TRACEID } = await import('@opentelemetry/api');
  context.setGlobalContextManager(new AsyncLocalStorageContextManager());
  try {
    const wrapped = instrumentVerifier(() => true, h.providers);
    const valid = trace.setSpanContext(context.active(), { traceId: 'c'.repeat(32), spanId: 'd'.repeat(16), traceFlags: TraceFlags.NONE, isRemote: true });
    // The same context object over and over (one request's calls), then a second valid one.
    for (let i = 0; i < 3; i++) context.with(valid, () => wrapped());
    context.with(trace.setSpanContext(context.active(), { traceId: 'e'.repeat(32), spanId: 'f'.repeat(16), traceFlags: TraceFlags.NONE, isRemote: true }), () => wrapped());
    assert.equal(h.spans().length, 0);
    // Unsampled flags on an invalid span context are no parent at all: the span is a root span.
    const invalid = trace.setSpanContext(context.active(), { traceId: INVALID_TRACEID, spanId: 'd'.repeat(16), traceFlags: TraceFlags.NONE, isRemote: true });
    context.with(invalid, () => wrapped());
    const spans = h.spans();
    assert.equal(spans.length, 1);
    assert.notEqual(spans[0]!.spanContext().traceId, INVALID_TRACEID);
    assert.equal(spans[0]!.parentSpanContext, undefined);
  } finally {
    context.disable();
    await h.shutdown();
  }
});

test('inside an explicitly unsampled parent span no span is started; inside a sampled one the span is its child', async () => {
  const h = harness();
  const { AsyncLocalStorageContextManager } = await import('./context-manager.js');
  const { context, trace, TraceFlags } = await import('@opentelemetry/api');
  context.setGlobalContextManager(new AsyncLocalStorageContextManager());
  try {
    const wrapped = instrumentVerifier(() => true, h.providers);
    const parent = (flags: number) =>
      trace.setSpanContext(context.active(), { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: flags, isRemote: true });
    context.with(parent(TraceFlags.NONE), () => wrapped());
    assert.equal(h.spans().length, 0);
    context.with(parent(TraceFlags.SAMPLED), () => wrapped());
    const spans = h.spans();
    assert.equal(spans.length, 1);
    assert.equal(spans[0]!.spanContext().traceId, 'a'.repeat(32));
    assert.equal(spans[0]!.parentSpanContext?.spanId, 'b'.repeat(16));
    // Metrics are recorded either way.
    const [count] = await h.find(VERIFICATIONS);
    assert.equal(count!.value, 2);
  } finally {
    context.disable();
    await h.shutdown();
  }
});
