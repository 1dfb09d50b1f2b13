/**
 * Shared by the diagnose-*.test.ts files: the cause (and matched key ID) the wrapper put on each
 * `hmac.verify` span, and the `hmac.auth.failure.causes` counts by cause.
 */
import assert from 'node:assert/strict';
import type { harness } from './otel-harness.js';

type Harness = ReturnType<typeof harness>;

/** Per span, in call order: `cause` or `cause@keyId`; '' for a span without a cause. */
export function spanCauses(h: Harness): string[] {
  return h
    .spans()
    .filter((s) => s.name === 'hmac.verify')
    .map((s) => {
      const cause = s.attributes['hmac.failure.cause'];
      const keyId = s.attributes['hmac.failure.cause_key_id'];
      return cause === undefined ? '' : keyId === undefined ? String(cause) : `${String(cause)}@${String(keyId)}`;
    });
}

/** The counter's totals, keyed `error.type/cause/hmac.key_id`. */
export async function counted(h: Harness, scheme: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const p of await h.find('hmac.auth.failure.causes', { 'hmac.scheme': scheme })) {
    const k = `${String(p.attributes['error.type'])}/${String(p.attributes['hmac.failure.cause'])}/${String(p.attributes['hmac.key_id'])}`;
    out[k] = (out[k] ?? 0) + p.value;
  }
  return out;
}

/** Calls `fn`, which must fail (throw, reject or answer false), and returns what the caller saw. */
export async function failing(fn: () => unknown): Promise<unknown> {
  try {
    const r = await fn();
    if (r === false) return r;
  } catch (err) {
    return err;
  }
  assert.fail('expected the verification to fail');
}
