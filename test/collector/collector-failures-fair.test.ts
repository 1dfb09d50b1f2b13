/**
 * The failure log's fair ring on a real collector, fed by the real OpenTelemetry SDK's OTLP trace
 * exporters: a hostile job flooding failed spans after a quiet job's few does not evict them. The
 * quiet job's failures, its cause summary (the status page's "Why signatures fail") and the SLO
 * detail view's failures by reason — complete, `heldFrom` null — stay, and stay after a restart
 * with a smaller ring.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ATTR } from '@hmac-slo/instrumentation/contract';
import type { FailuresApiResponse, SloDetailResponse } from '../../src/collector/model.js';
import { afterNextSample, startCollector, tempDir, type CollectorProcess } from '../support/collector.js';
import { Pusher } from './otel-pushers.js';
import { sendSpans } from './otel-spans.js';

async function getJson<T>(c: CollectorProcess, path: string): Promise<T> {
  const res = await fetch(`${c.url}${path}`);
  assert.equal(res.status, 200, `${path}: ${res.status}`);
  return (await res.json()) as T;
}

const ringOf = (n: number) => `collector:\n  samplePeriod: 1s\n  failures:\n    ringSize: ${n}\n`;

test('a job flooding failed spans does not evict a quiet job\'s failures: list, cause summary and SLO detail stay complete, across a restart with a smaller ring', async () => {
  const tmp = tempDir();
  let c = await startCollector({ dir: tmp.dir, configYaml: ringOf(20) });
  try {
    // Both jobs push verification counts too, so each has an SLO detail view.
    for (const [job, bad] of [['billing', 3], ['mallory', 200]] as const) {
      const p = new Pusher({ url: c.url, protocol: 'json', temporality: 'cumulative', serviceName: job, instance: `${job}-1` });
      p.verifications.add(100, { [ATTR.scheme]: 'ref', [ATTR.keyId]: 'k1', [ATTR.outcome]: 'accepted' });
      p.verifications.add(bad, { [ATTR.scheme]: 'ref', [ATTR.keyId]: 'k1', [ATTR.outcome]: 'rejected', [ATTR.errorType]: 'signature_mismatch' });
      await p.flush();
      await p.shutdown();
    }
    await sendSpans(c.url, 'json', 'billing', [
      { client: 'partner-acme', outcome: 'rejected', reason: 'signature_mismatch', keyId: 'k-billing', times: 3, attributes: { [ATTR.failureCause]: 'secret_differs' } },
    ]);
    // 200 in groups of 20 (the SDK's simple processor caps concurrent exports).
    await sendSpans(c.url, 'protobuf', 'mallory', Array.from({ length: 10 }, () => ({ client: 'mallory', outcome: 'rejected' as const, reason: 'signature_mismatch', times: 20 })));
    await afterNextSample(c.url);

    const check = async (ringSize: number, when: string) => {
      const all = await getJson<FailuresApiResponse>(c, '/api/failures?limit=1000');
      assert.equal(all.failures.length, ringSize, when);
      assert.equal(all.failures.filter((f) => f.job === 'mallory').length, ringSize - 3, `${when}: the flood keeps the rest`);
      const billing = await getJson<FailuresApiResponse>(c, '/api/failures?job=billing');
      assert.deepEqual(billing.failures.map((f) => f.keyId), ['k-billing', 'k-billing', 'k-billing'], when);
      assert.deepEqual(billing.causes, [{ job: 'billing', total: 3, causes: [{ cause: 'secret_differs', count: 3, share: 1 }] }], when);

      const detail = async (job: string) => (await getJson<SloDetailResponse>(c, `/api/slo/detail?job=${job}&slo=auth-success&range=1h`)).failures;
      const quiet = await detail('billing');
      assert.deepEqual([quiet.heldFrom, quiet.byReason, quiet.byKey], [null, [{ reason: 'signature_mismatch', count: 3 }], [{ keyId: 'k-billing', count: 3 }]], when);
      const flood = await detail('mallory');
      assert.ok(flood.heldFrom !== null && flood.heldFrom > flood.from, `${when}: the flooding job's own log is partial (${flood.heldFrom})`);
      assert.equal(flood.byReason[0]?.count, ringSize - 3, when);
    };
    await check(20, 'live');

    await c.stop();
    c = await startCollector({ dir: tmp.dir, configYaml: ringOf(10) });
    await check(10, 'restarted with a ring of 10');
  } finally {
    await c.stop();
    tmp.cleanup();
  }
});
