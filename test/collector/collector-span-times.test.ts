/**
 * Failed spans dated where no clock should be (far in the future, beyond what a Date can hold, or
 * missing) keep their place in the failure log with the time the collector received them, counted
 * in its own metrics — also after a SIGKILL (replayed from the push log) and after a restart from
 * the snapshot. Before, such a span was stored as sent and blanked the status page's failures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FailuresApiResponse } from '../../src/collector/model.js';
import { parseExposition, seriesKey, startCollector, tempDir, type CollectorProcess } from '../support/collector.js';
import { postFailedSpans } from './otel-spans.js';

const ns = (ms: number) => String(BigInt(ms) * 1_000_000n);

async function failures(c: CollectorProcess): Promise<FailuresApiResponse['failures']> {
  const res = await fetch(`${c.url}/api/failures?limit=50`);
  assert.equal(res.status, 200);
  return ((await res.json()) as FailuresApiResponse).failures;
}

test('failed spans with unbelievable times get the receive time, counted, and keep it across restarts', async () => {
  const tmp = tempDir();
  let c = await startCollector({ dir: tmp.dir });
  const args = ['--listen', new URL(c.url).host];
  try {
    const sentAt = Date.now();
    const honest = sentAt - 5_000;
    const status = await postFailedSpans(c.url, 'skewed', [
      { endNs: ns(honest), reason: 'signature_mismatch', traceByte: 1 },
      { endNs: ns(sentAt + 30 * 60_000), reason: 'timestamp_skew', traceByte: 2 }, // within the 1h default: believed
      { endNs: ns(sentAt + 86_400_000), reason: 'timestamp_skew', traceByte: 3 }, // a day ahead
      { endNs: '100000000000000000000000', reason: 'replay', traceByte: 4 }, // year ~3 million: no Date holds it
      { endNs: '0', reason: 'unknown_key', traceByte: 5 }, // no time at all
    ]);
    const receivedBy = Date.now();
    assert.equal(status, 200);
    const check = async (when: string) => {
      const byTrace = new Map((await failures(c)).map((f) => [f.traceId.slice(0, 2), f.timeUnixMs]));
      assert.equal(byTrace.size, 5, `${when}: every failure is kept`);
      // Nanoseconds read as a double: within a millisecond.
      assert.ok(Math.abs(byTrace.get('01')! - honest) <= 1, `${when}: an honest time is kept`);
      assert.ok(Math.abs(byTrace.get('02')! - (sentAt + 30 * 60_000)) <= 1, `${when}: skew within maxSpanFuture is believed`);
      for (const t of ['03', '04', '05']) {
        const time = byTrace.get(t)!;
        assert.ok(time >= sentAt && time <= receivedBy, `${when}: span ${t} has the receive time, not ${time}`);
        assert.doesNotThrow(() => new Date(time).toISOString());
      }
    };
    await check('live');
    const m = parseExposition(await (await fetch(`${c.url}/metrics`)).text());
    assert.equal(m.get(seriesKey('hmac_slo_collector_clamped_span_times_total', { reason: 'future' })), 2);
    assert.equal(m.get(seriesKey('hmac_slo_collector_clamped_span_times_total', { reason: 'past' })), 1);
    // Replayed from the push log (as received) after a SIGKILL; then loaded from the snapshot that start wrote.
    await c.kill();
    c = await startCollector({ dir: tmp.dir, args });
    await check('after a SIGKILL');
    await c.kill();
    c = await startCollector({ dir: tmp.dir, args });
    await check('from the snapshot');
  } finally {
    await c.stop();
    tmp.cleanup();
  }
});
