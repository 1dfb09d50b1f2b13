/**
 * Aggregates stay finite (issue 9, finding 1): two finite delta points of 1.5e308 would sum to
 * +Inf, which the snapshot cannot hold (JSON writes it as null) and the exposition of a restored
 * histogram cannot show. The point that would overflow is refused (partial success, counted as
 * `non_finite`), the series keeps its value, and a restart — from the snapshot (SIGTERM) and from
 * the push log (SIGKILL) — gives back the same totals and a parseable /metrics.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExposition, seriesKey, startCollector, tempDir, type CollectorProcess } from '../support/collector.js';
import { histogramMetric, metricsRequest, numberMetric, pushMetrics, type Encoding } from './otlp-raw.js';
import { promtoolParseError } from './exposition-check.js';

const HUGE = 1.5e308;
const JOB = 'overflow';

async function scrape(c: CollectorProcess): Promise<{ text: string; values: Map<string, number> }> {
  const text = await (await fetch(`${c.url}/metrics`)).text();
  assert.equal(promtoolParseError(text), undefined);
  return { text, values: parseExposition(text) };
}

function push(c: CollectorProcess, metrics: unknown[], encoding: Encoding) {
  return pushMetrics(c.url, metricsRequest({ 'service.name': JOB, 'service.instance.id': 'i1' }, metrics), encoding);
}

const COUNTER = seriesKey('hmac_custom_payload_total', { job: JOB });
const HIST_SUM = seriesKey('hmac_custom_wait_seconds_sum', { job: JOB });
const HIST_COUNT = seriesKey('hmac_custom_wait_seconds_count', { job: JOB });
const REFUSED = seriesKey('hmac_slo_collector_rejected_data_points_total', { reason: 'non_finite' });

function expectTotals(values: Map<string, number>): void {
  assert.equal(values.get(COUNTER), HUGE);
  assert.equal(values.get(HIST_SUM), HUGE);
  assert.equal(values.get(HIST_COUNT), 2);
}

test('a delta that would overflow a counter or a histogram sum is refused; totals and /metrics survive restarts', async () => {
  const tmp = tempDir();
  let c = await startCollector({ dir: tmp.dir });
  try {
    const counter = numberMetric('hmac.custom.payload', { value: HUGE, monotonic: true, temporality: 1 });
    const hist = histogramMetric('hmac.custom.wait', { unit: 's', bounds: [1], counts: [0, 2], sum: HUGE, temporality: 1 });
    // The first push of each is accepted; the second — JSON, then protobuf — would make +Inf.
    const first = await push(c, [counter, hist], 'json');
    assert.deepEqual(first, { status: 200, rejected: 0, message: '' });
    for (const encoding of ['json', 'protobuf'] as const) {
      const second = await push(c, [counter, hist], encoding);
      assert.equal(second.status, 200);
      assert.equal(second.rejected, 2, second.message);
      assert.match(second.message, /non-finite/);
    }
    let m = await scrape(c);
    expectTotals(m.values);
    assert.equal(m.values.get(REFUSED), 4);

    // Cumulative streams: a reading whose increase would overflow is refused the same way.
    const cum = (v: number) => numberMetric('hmac.custom.cumulative', { value: v, monotonic: true, temporality: 2, start: '5' });
    assert.equal((await push(c, [cum(HUGE)], 'protobuf')).rejected, 0);
    const other = { 'service.name': JOB, 'service.instance.id': 'i2' };
    const r = await pushMetrics(c.url, metricsRequest(other, [cum(HUGE)]), 'json');
    assert.equal(r.rejected, 1, r.message);
    m = await scrape(c);
    assert.equal(m.values.get(seriesKey('hmac_custom_cumulative_total', { job: JOB })), HUGE);

    // From the snapshot (SIGTERM writes one), then from the log (SIGKILL right after a push).
    assert.equal(await c.stop(), 0);
    c = await startCollector({ dir: tmp.dir });
    m = await scrape(c);
    expectTotals(m.values);
    assert.doesNotMatch(c.output(), /unreadable|moved aside/);
    assert.equal((await push(c, [counter], 'json')).rejected, 1);
    await c.kill();
    c = await startCollector({ dir: tmp.dir });
    m = await scrape(c);
    expectTotals(m.values);
    assert.equal(m.values.get(seriesKey('hmac_custom_cumulative_total', { job: JOB })), HUGE);
    assert.doesNotMatch(c.output(), /unreadable|moved aside/);
  } finally {
    await c.kill();
    tmp.cleanup();
  }
});
