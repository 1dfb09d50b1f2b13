/**
 * Shared assertion for the per-library "wrapped with instrumentVerifier" tests: what the real SDK
 * exported — verification counts by `hmac.outcome`/`error.type`, and the spans' status and attributes.
 */
import assert from 'node:assert/strict';
import { SpanStatusCode } from '@opentelemetry/api';
import { outcomeOf, type FailureReason } from '../src/contract.js';
import type { harness } from './otel-harness.js';

type Harness = ReturnType<typeof harness>;

/** `expected`: reason (or `accepted`) → number of calls, in the order the calls were made. */
export async function assertExported(h: Harness, scheme: string, calls: Array<FailureReason | 'accepted'>): Promise<void> {
  const want = new Map<string, number>();
  for (const c of calls) want.set(c, (want.get(c) ?? 0) + 1);

  const got = new Map<string, number>();
  for (const p of await h.find('hmac.auth.verifications', { 'hmac.scheme': scheme })) {
    const outcome = p.attributes['hmac.outcome'];
    const reason = p.attributes['error.type'];
    if (outcome === 'accepted') {
      assert.equal(reason, undefined, 'accepted calls carry no error.type');
      got.set('accepted', (got.get('accepted') ?? 0) + p.value);
    } else {
      assert.equal(outcome, outcomeOf(reason as FailureReason), `outcome of ${String(reason)}`);
      got.set(String(reason), (got.get(String(reason)) ?? 0) + p.value);
    }
  }
  for (const [k, v] of [...got]) if (v === 0) got.delete(k);
  assert.deepEqual(Object.fromEntries([...got].sort()), Object.fromEntries([...want].sort()));

  const spans = h.spans().filter((s) => s.name === 'hmac.verify');
  assert.equal(spans.length, calls.length);
  calls.forEach((c, i) => {
    const s = spans[i]!;
    assert.equal(s.attributes['hmac.scheme'], scheme);
    if (c === 'accepted') {
      assert.notEqual(s.status.code, SpanStatusCode.ERROR);
      assert.equal(s.attributes['hmac.outcome'], 'accepted');
    } else {
      assert.equal(s.status.code, SpanStatusCode.ERROR, `span ${i} (${c})`);
      assert.equal(s.attributes['error.type'], c, `span ${i}`);
      assert.equal(s.attributes['hmac.outcome'], outcomeOf(c));
    }
  });
}
