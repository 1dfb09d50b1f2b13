/**
 * Signed-push nonces are bounded per key (issue 9 review): 100,000 tiny pushes signed with one key
 * (bound to its own job) used to flush the shared nonce cache, after which another key's captured
 * push was accepted again. Now each key has its own bound, and a key full of live nonces is
 * refused (429 nonce_cache_full) instead of forgetting a live nonce.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import { createHmacSigner } from '@hmac-slo/instrumentation';
import { createPushAuth } from '../../src/collector/auth.js';
import { tempDir } from '../support/collector.js';

const env = { VICTIM: 'victim-secret-of-32-bytes-long!!', EVIL: 'evil-secret-of-32-bytes-long!!!!' };

test("one key's flood of signed pushes cannot evict another key's nonces; the flooding key is refused with 429 at its bound", () => {
  const tmp = tempDir();
  const auth = createPushAuth(
    { bearerTokenEnv: [], hmacKeys: [{ id: 'victim', secretEnv: 'VICTIM', jobs: ['payments'] }, { id: 'evil', secretEnv: 'EVIL', jobs: ['evil'] }], maxNoncesPerKey: 100_000 },
    env,
    join(tmp.dir, 'push-nonces.log'),
  );
  try {
    const request = (signer: ReturnType<typeof createHmacSigner>, body: string) =>
      ({ method: 'POST', url: '/v1/metrics', headers: { 'content-type': 'application/json', ...signer({ method: 'POST', path: '/v1/metrics', body }) } }) as unknown as IncomingMessage;
    /** `accepted`, or `<status> <reason>` (401 for the code before per-key bounds). */
    const push = (req: IncomingMessage, body: string): string => {
      const d = auth.checkHeaders(req);
      if (!d.ok) return `${(d as { status?: number }).status ?? 401} ${(d as { code?: string }).code ?? d.reason}`;
      const denied: unknown = d.verifyBody?.(Buffer.from(body));
      if (denied === undefined) return 'accepted';
      return typeof denied === 'string' ? `401 ${denied}` : `${(denied as { status: number }).status} ${(denied as { code: string }).code}`;
    };
    const captured = request(createHmacSigner({ keyId: 'victim', secret: env.VICTIM }), '{"victim":1}');
    assert.equal(push(captured, '{"victim":1}'), 'accepted');
    assert.match(push(captured, '{"victim":1}'), /^401 /, 'replayed at once');
    const evil = createHmacSigner({ keyId: 'evil', secret: env.EVIL });
    const results = new Map<string, number>();
    for (let i = 0; i < 100_005; i++) {
      const r = push(request(evil, '{}'), '{}');
      results.set(r, (results.get(r) ?? 0) + 1);
    }
    assert.match(push(captured, '{"victim":1}'), /^401 .*replay|^401 unauthorized/, 'the captured push is still a replay');
    assert.deepEqual(Object.fromEntries(results), { accepted: 100_000, '429 nonce_cache_full': 5 });
    // The victim's key still works.
    assert.equal(push(request(createHmacSigner({ keyId: 'victim', secret: env.VICTIM }), '{"v":2}'), '{"v":2}'), 'accepted');
  } finally {
    auth.close();
    tmp.cleanup();
  }
});
