/**
 * Errors the package swallows to protect the caller are reported through OpenTelemetry's `diag`
 * logger, once per wrapper and kind of problem, without the error's message (it may quote a request
 * or a secret), and the caller's result stays exactly what the bare function gave.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diag, DiagLogLevel, type Meter, type MeterProvider } from '@opentelemetry/api';
import { instrumentVerifier } from '../src/wrap/verifier.js';
import { instrumentReplayCache } from '../src/wrap/replay-cache.js';
import { classifyError } from '../src/classify/index.js';
import { HmacAuthError } from '../src/errors.js';
import { PACKAGE_NAME } from '../src/version.js';
import { harness } from './otel-harness.js';

const SECRET_IN_MESSAGE = 'whsec_do-not-log-me';
const CALLS = 50;

/** Registers a DiagLogger for the duration of `body`; returns this package's warnings. */
async function warningsDuring(body: () => unknown): Promise<string[]> {
  const logged: string[] = [];
  const capture = (message: string, ...args: unknown[]) => logged.push([message, ...args.map(String)].join(' '));
  diag.setLogger({ error: capture, warn: capture, info: () => {}, debug: () => {}, verbose: () => {} }, DiagLogLevel.WARN);
  try {
    await body();
  } finally {
    diag.disable();
  }
  for (const line of logged) assert.ok(!line.includes(SECRET_IN_MESSAGE), `an error message reached the log: ${line}`);
  return logged.filter((line) => line.startsWith(PACKAGE_NAME));
}

const boom = () => {
  throw new Error(SECRET_IN_MESSAGE);
};

test('a throwing keyId, clientId, timestamp, classify and isAccepted are each reported once via diag; results are unchanged', async () => {
  const h = harness();
  const verdict = { ok: false };
  const verdictVerifier = instrumentVerifier((_r: { n: number }) => verdict, {
    ...h.providers,
    scheme: 'diag-verdict',
    keyId: boom,
    clientId: boom,
    isAccepted: boom,
  });
  const accepted = { ok: true };
  const skewVerifier = instrumentVerifier((_r: { n: number }) => accepted, { ...h.providers, scheme: 'diag-skew', timestamp: boom });
  const thrown = new HmacAuthError('unknown_key');
  const throwingVerifier = instrumentVerifier(
    (_r: { n: number }) => {
      throw thrown;
    },
    { ...h.providers, scheme: 'diag-throw', classify: boom },
  );
  const warnings = await warningsDuring(() => {
    for (let n = 0; n < CALLS; n++) {
      assert.equal(verdictVerifier({ n }), verdict);
      assert.equal(skewVerifier({ n }), accepted);
      assert.throws(() => throwingVerifier({ n }), (err) => err === thrown);
    }
  });
  for (const option of ['keyId', 'clientId', 'timestamp', 'isAccepted or rejectedReason', 'classify']) {
    assert.equal(warnings.filter((w) => w.includes(`the ${option} option threw Error`)).length, 1, `${option}: ${warnings.join('\n')}`);
  }
  assert.equal(warnings.length, 5, warnings.join('\n'));
  // Still counted, as before: a broken extractor means "no key ID", a broken judge means internal_error.
  const counted = await h.find('hmac.auth.verifications', { 'hmac.scheme': 'diag-verdict' });
  assert.deepEqual(counted.map((p) => [p.attributes['hmac.key_id'], p.attributes['error.type'], p.value]), [['unknown', 'internal_error', CALLS]]);
  await h.shutdown();
});

test('a failing meter (histogram.record throws) is reported once; sync results, thrown errors and promises are unchanged', async () => {
  const h = harness();
  const failing: MeterProvider = {
    getMeter: (...args: Parameters<MeterProvider['getMeter']>) =>
      new Proxy(h.meterProvider.getMeter(...args), {
        get(target, prop, receiver) {
          if (prop === 'createHistogram') return () => ({ record: boom });
          return Reflect.get(target, prop, receiver);
        },
      }) as Meter,
  };
  const result = { ok: true };
  const rejection = new HmacAuthError('signature_mismatch');
  const sync = instrumentVerifier((n: number) => {
    if (n % 2 === 1) throw rejection;
    return result;
  }, { meterProvider: failing, tracerProvider: h.tracerProvider, scheme: 'diag-meter' });
  const async = instrumentVerifier(async (n: number) => {
    if (n % 2 === 1) throw rejection;
    return result;
  }, { meterProvider: failing, tracerProvider: h.tracerProvider, scheme: 'diag-meter-async' });
  const warnings = await warningsDuring(async () => {
    for (let n = 0; n < CALLS; n++) {
      if (n % 2 === 1) {
        assert.throws(() => sync(n), (err) => err === rejection);
        await assert.rejects(async(n), (err) => err === rejection);
      } else {
        assert.equal(sync(n), result);
        assert.equal(await async(n), result);
      }
    }
  });
  // One report per wrapper (each is its own operation), not one per call.
  assert.equal(warnings.length, 2, warnings.join('\n'));
  for (const w of warnings) assert.match(w, /recording a hmac\.verify call \(meter, tracer or hook\) threw Error/);
  // Every call still ended its span.
  assert.equal(h.spans().filter((s) => s.name === 'hmac.verify').length, 2 * CALLS);
  await h.shutdown();
});

test('a failing key declaration and a replay cache whose size throws are reported once', async () => {
  const h = harness();
  const cache = {
    check: (_nonce: string) => true,
    get size(): number {
      return boom();
    },
  };
  const warnings = await warningsDuring(async () => {
    const verify = instrumentVerifier((_r: string) => ({ ok: true }), { ...h.providers, scheme: 'diag-declared', keyId: (r) => r, knownKeyIds: boom });
    for (let n = 0; n < CALLS; n++) verify(`k${n}`);
    const wrapped = instrumentReplayCache(cache, { ...h.providers, scheme: 'diag-replay' });
    assert.equal(wrapped.check('nonce-0001'), true);
    await h.collect();
    await h.collect();
  });
  assert.equal(warnings.filter((w) => w.includes('reading the declared key IDs (knownKeyIds or keyRing) threw Error')).length, 1, warnings.join('\n'));
  assert.equal(warnings.filter((w) => w.includes("the replay cache's size threw Error")).length, 1, warnings.join('\n'));
  await h.shutdown();
});

test('classifyError on a hostile error object reports once and answers internal_error', async () => {
  const hostile = new Proxy({}, {
    get: boom,
    getPrototypeOf: boom,
  });
  let reasons: string[] = [];
  const warnings = await warningsDuring(() => {
    reasons = Array.from({ length: CALLS }, () => classifyError(hostile));
  });
  assert.deepEqual(new Set(reasons), new Set(['internal_error']));
  assert.ok(warnings.length >= 1 && warnings.length <= 3, warnings.join('\n')); // one per kind of read that failed
  assert.equal(new Set(warnings).size, warnings.length);
});
