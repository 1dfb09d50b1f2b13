/**
 * Failure causes end to end: failed `hmac.verify` spans carrying `hmac.failure.cause`, sent by the real
 * OpenTelemetry SDK's OTLP exporters to a real collector, come back from `/api/failures` with their
 * cause, the matching key ID and a per-job summary; hostile causes are kept as `other` and counted;
 * causes survive a SIGKILL (push-log replay) and a restart from the snapshot; trace IDs link through
 * `collector.traceUrlTemplate`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ATTR } from '@hmac-slo/instrumentation/contract';
import type { FailuresApiResponse } from '../../src/collector/model.js';
import { parseExposition, seriesKey, startCollector, tempDir, type CollectorProcess } from '../support/collector.js';
import { sendSpans } from './otel-spans.js';

const JAEGER = 'http://localhost:16686/trace/{traceId}';
const HOSTILE = ['<img src=x onerror="window.__pwned=1">', 'body_reserialized\u0000', 'x'.repeat(10_000), '__proto__'];

async function failures(c: CollectorProcess, query = '?limit=100'): Promise<FailuresApiResponse> {
  const res = await fetch(`${c.url}/api/failures${query}`);
  assert.equal(res.status, 200);
  return (await res.json()) as FailuresApiResponse;
}

const cause = (value: string, keyId?: string) => ({ [ATTR.failureCause]: value, ...(keyId ? { [ATTR.failureCauseKeyId]: keyId } : {}) });

test('failed spans with causes: /api/failures lists each cause, the key ID, a per-job summary and trace links; hostile causes become other; restarts keep them', async () => {
  const tmp = tempDir();
  const configYaml = `collector:\n  traceUrlTemplate: "${JAEGER}"\n`;
  let c = await startCollector({ dir: tmp.dir, configYaml });
  const args = ['--listen', new URL(c.url).host];
  try {
    const reason = 'signature_mismatch';
    await sendSpans(c.url, 'protobuf', 'payments-api', [
      { client: 'partner-acme', outcome: 'rejected', reason, times: 16, attributes: cause('body_reserialized') },
      { client: 'partner-globex', outcome: 'rejected', reason, times: 4, attributes: cause('secret_differs') },
      { client: 'partner-acme', outcome: 'rejected', reason: 'missing_signature', times: 2 }, // no cause
    ]);
    await sendSpans(c.url, 'json', 'webhooks', [
      { client: 'partner-initech', outcome: 'rejected', reason, times: 3, attributes: cause('signed_with_other_key', 'k-2026-08') },
      { client: 'app', outcome: 'error', reason: 'internal_error', times: 1, attributes: cause('body_not_raw', 'k-ignored') },
      ...HOSTILE.map((h) => ({ client: 'mallory', outcome: 'rejected' as const, reason, times: 1, attributes: cause(h) })),
    ]);

    const check = async (when: string) => {
      const all = await failures(c);
      assert.equal(all.failures.length, 30, when);
      assert.deepEqual(all.causes, [
        { job: 'payments-api', total: 20, causes: [{ cause: 'body_reserialized', count: 16, share: 0.8 }, { cause: 'secret_differs', count: 4, share: 0.2 }] },
        {
          job: 'webhooks',
          total: 8,
          causes: [
            { cause: 'other', count: 4, share: 0.5 },
            { cause: 'signed_with_other_key', count: 3, share: 0.375 },
            { cause: 'body_not_raw', count: 1, share: 0.125 },
          ],
        },
      ], when);
      const webhooks = all.failures.filter((f) => f.job === 'webhooks');
      assert.deepEqual(webhooks.filter((f) => f.cause === 'signed_with_other_key').map((f) => f.causeKeyId), ['k-2026-08', 'k-2026-08', 'k-2026-08'], `${when}: the key the signature verified with`);
      assert.equal(webhooks.find((f) => f.cause === 'body_not_raw')?.causeKeyId, undefined, `${when}: a key ID only with signed_with_other_key`);
      assert.equal(all.failures.filter((f) => f.cause === undefined).length, 2, `${when}: spans without a cause have none`);
      const text = JSON.stringify(all);
      for (const h of ['onerror', 'xxxxxxxxxx', '\\u0000', 'partner-']) assert.ok(!text.includes(h), `${when}: ${h} never served`);
      for (const f of all.failures) assert.equal(f.traceUrl, `http://localhost:16686/trace/${f.traceId}`, when);
      assert.match(all.failures[0]!.traceId, /^[0-9a-f]{32}$/);
      // The summary follows the job and reason filters, over every held failure (not only `limit`).
      const filtered = await failures(c, `?job=webhooks&reason=internal_error&limit=1`);
      assert.deepEqual(filtered.causes, [{ job: 'webhooks', total: 1, causes: [{ cause: 'body_not_raw', count: 1, share: 1 }] }], when);
      assert.deepEqual((await failures(c, '?job=payments-api&limit=1')).causes.map((j) => j.total), [20], when);
    };
    await check('live');
    const m = parseExposition(await (await fetch(`${c.url}/metrics`)).text());
    assert.equal(m.get(seriesKey('hmac_slo_collector_unrecognized_attribute_values_total', { attribute: 'hmac.failure.cause' })), HOSTILE.length);

    // Replayed from the push log after a SIGKILL; then loaded from the snapshot that start wrote.
    await c.kill();
    c = await startCollector({ dir: tmp.dir, args, configYaml });
    await check('after a SIGKILL');
    await c.stop();
    c = await startCollector({ dir: tmp.dir, args, configYaml });
    await check('from the snapshot');

    // Without a template (the default) there is no link.
    await c.stop();
    c = await startCollector({ dir: tmp.dir, args });
    assert.ok((await failures(c)).failures.every((f) => !('traceUrl' in f)));
  } finally {
    await c.stop();
    tmp.cleanup();
  }
});

test('a trace URL template that is not an http(s) URL with {traceId} is a configuration error', async () => {
  for (const bad of ['javascript:alert(1)//{traceId}', 'http://localhost:16686/trace/', '/trace/{traceId}']) {
    const tmp = tempDir();
    try {
      await assert.rejects(startCollector({ dir: tmp.dir, configYaml: `collector:\n  traceUrlTemplate: "${bad}"\n` }), /exited with 2[\s\S]*collector\.traceUrlTemplate: '' or an http\(s\) URL containing \{traceId\}/, bad);
    } finally {
      tmp.cleanup();
    }
  }
});
