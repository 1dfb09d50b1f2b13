/**
 * A scrape that input cannot break (issue 9, finding 2, and label bytes from finding 5): attribute
 * keys that collide once sanitized, instruments that would share a family, the collector's own
 * names, histograms with bad buckets, over-long labels and awkward HELP texts. The aggregator and
 * exposition are checked in process (promtool parses the text, the OpenMetrics grammar holds); the
 * refusals through a real collector, JSON and protobuf giving the same answers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Aggregator } from '../../src/collector/aggregate/aggregator.js';
import { ByteWriter } from '../../src/collector/byte-writer.js';
import { finish, writeSeries } from '../../src/collector/exposition.js';
import { normalizeMetrics } from '../../src/collector/otlp/normalize.js';
import { collectorPerFile, parseExposition, seriesKey } from '../support/collector.js';
import { histogramMetric, metricsRequest, numberMetric, pushMetrics, type Attrs } from './otlp-raw.js';
import { openMetricsProblems, promtoolParseError } from './exposition-check.js';
import { testLimits } from './aggregator-test-limits.js';

const RESOURCE = { 'service.name': 'labels', 'service.instance.id': 'i1' };

/** Ingests OTLP/JSON-shaped metrics into a fresh aggregator; returns it and the ingest result. */
function ingest(metrics: unknown[], agg = new Aggregator(testLimits({ maxSeries: 1000, maxSeriesPerJob: 1000, pusherTtlMs: 60_000 }))) {
  const result = agg.ingest(normalizeMetrics(metricsRequest(RESOURCE, metrics)), 0);
  return { agg, result };
}

function exposition(agg: Aggregator, om: boolean): Buffer {
  const out = new ByteWriter();
  writeSeries(out, agg, om);
  return Buffer.concat(finish(out, om));
}

function assertReadable(agg: Aggregator): string {
  const text = exposition(agg, false);
  assert.equal(promtoolParseError(text), undefined);
  assert.deepEqual(openMetricsProblems(exposition(agg, true)), []);
  return text.toString('utf8');
}

const COLLIDING: Attrs = {
  'a.b': '1',
  a_b: '2',
  job: 'j',
  exported_job: 'e',
  le: 'x',
  'ü': 'u',
  'ö': 'o',
  __name__: 'n',
  ['__proto__']: 'p', // computed: an own key, as the decoders make it
  '1abc': 'd',
  key_1abc: 'k',
  'hmac.outcome': 'accepted',
};

test('attribute keys that collide once sanitized share one label, values joined with ; in key order', () => {
  const { agg, result } = ingest([
    numberMetric('hmac.custom.requests', { value: 3, monotonic: true, attrs: COLLIDING }),
    histogramMetric('hmac.custom.wait', { unit: 's', bounds: [0.1, 1], counts: [1, 1, 1], sum: 1.5, attrs: COLLIDING }),
  ]);
  assert.equal(result.accepted, 2);
  const text = assertReadable(agg);
  const labels = 'job="labels",_="o;u",a_b="1;2",exported_job="e;j",exported_le="x",exported_name__="n",exported_proto__="p",hmac_outcome="accepted",key_1abc="d;k"';
  assert.ok(text.includes(`hmac_custom_requests_total{${labels}} 3\n`), text);
  assert.ok(text.includes(`hmac_custom_wait_seconds_bucket{${labels},le="1"} 2\n`), text);
  // The SLO engine still reads the series by the attributes as pushed.
  const s = [...agg.series()].find((x) => x.name === 'hmac.custom.requests')!;
  assert.equal(s.attributes['hmac.outcome'], 'accepted');
});

test('a series whose labels equal another series\' once sanitized is refused (label_collision)', () => {
  const { agg } = ingest([numberMetric('hmac.custom.requests', { value: 1, monotonic: true, attrs: { 'a.b': 'x' } })]);
  const { result } = ingest([numberMetric('hmac.custom.requests', { value: 1, monotonic: true, attrs: { a_b: 'x' } })], agg);
  assert.deepEqual([...result.rejected], [['label_collision', 1]]);
  // Lone surrogates become U+FFFD when decoded (otlp/well-formed.ts): two values that only differ
  // there are one series, and both points count in it.
  ingest([numberMetric('hmac.custom.requests', { value: 1, monotonic: true, attrs: { k: '\ud800' } })], agg);
  const again = ingest([numberMetric('hmac.custom.requests', { value: 1, monotonic: true, attrs: { k: '\udc00' } })], agg).result;
  assert.deepEqual([...again.rejected], []);
  assert.equal([...agg.series()].find((x) => x.attributes.k === '\ufffd')?.value, 2);
  // An empty value is no label to Prometheus: `{e=""}` is the series without attributes.
  ingest([numberMetric('hmac.custom.requests', { value: 1, monotonic: true, attrs: { e: '' } })], agg);
  const empty = ingest([numberMetric('hmac.custom.requests', { value: 1, monotonic: true })], agg).result;
  assert.deepEqual([...empty.rejected], [['label_collision', 1]]);
  assertReadable(agg);
});

test('two instruments never share a family or a sample name; the collector\'s own and the contract\'s names are reserved', () => {
  const { agg, result } = ingest([
    numberMetric('hmac.a.b', { value: 1 }),
    numberMetric('hmac.a_b', { value: 2 }), // hmac_a_b again
    histogramMetric('hmac.wait', { bounds: [1], counts: [1, 0], sum: 0.5 }),
    numberMetric('hmac.wait.count', { value: 3 }), // hmac_wait_count is the histogram's
    numberMetric('hmac.done', { value: 1, monotonic: true }), // hmac_done_total: family hmac_done in OpenMetrics
    numberMetric('hmac.done', { value: 1, unit: 'x' }), // hmac_done_x: fine
    numberMetric('hmac..done', { value: 1 }), // hmac_done: the counter's OpenMetrics family
    numberMetric('hmac.slo.objective', { value: 0.5 }),
    numberMetric('hmac.slo.collector.series', { value: 1 }),
    // The contract's families are the contract instruments' only, as the kind the contract says.
    numberMetric('hmac.auth.verifications.total', { value: 1, monotonic: true }),
    numberMetric('hmac.auth.verifications', { value: 1 }),
  ]);
  assert.deepEqual(Object.fromEntries(result.rejected), { name_conflict: 3, reserved_name: 3, type_conflict: 2 });
  assert.equal(result.accepted, 3);
  assertReadable(agg);
});

test('HELP texts are escaped for each format; label values with quotes, backslashes, CR and lone surrogates stay readable', () => {
  const help = 'say "hi" \\ back\nslash\rcr \ud800 end';
  const { agg } = ingest([numberMetric('hmac.custom.help', { value: 1, description: help, attrs: { v: 'q"b\\n\nr\r\udfff' } })]);
  const text = assertReadable(agg);
  assert.ok(text.includes('# HELP hmac_custom_help say "hi" \\\\ back\\nslash cr \ufffd end\n'), text);
  const om = exposition(agg, true).toString('utf8');
  assert.ok(om.includes('# HELP hmac_custom_help say \\"hi\\" \\\\ back\\nslash cr \ufffd end\n'), om);
  assert.ok(om.includes('v="q\\"b\\\\n\\n'), om);
});

const collector = collectorPerFile();

const job = (encoding: string) => ({ 'service.name': `bad-${encoding}`, 'service.instance.id': 'i1' });

test('histograms with unsorted or duplicate bounds, or a count that disagrees with the buckets, are refused alike in JSON and protobuf', async () => {
  const bad = [
    histogramMetric('hmac.custom.wait', { bounds: [2, 1], counts: [1, 1, 1], sum: 1, attrs: { case: 'unsorted' } }),
    histogramMetric('hmac.custom.wait', { bounds: [1, 1], counts: [1, 1, 1], sum: 1, attrs: { case: 'duplicate' } }),
    histogramMetric('hmac.custom.wait', { bounds: [1, 2], counts: [1, 1, 1], count: 7, sum: 1, attrs: { case: 'count' } }),
    histogramMetric('hmac.custom.wait', { bounds: [1, 2], counts: [1, 1, 1], sum: 1, attrs: { case: 'good' } }),
  ];
  const answers = [];
  for (const encoding of ['json', 'protobuf'] as const) answers.push(await pushMetrics(collector().url, metricsRequest(job(encoding), bad), encoding));
  assert.deepEqual(answers[0], answers[1]);
  assert.equal(answers[0]!.rejected, 3);
  assert.match(answers[0]!.message, /strictly increasing/);
  assert.match(answers[0]!.message, /count 7 differs from the sum of the bucket counts \(3\)/);
  const text = await (await fetch(`${collector().url}/metrics`)).text();
  assert.equal(promtoolParseError(text), undefined);
  const m = parseExposition(text);
  for (const encoding of ['json', 'protobuf']) {
    assert.equal(m.get(seriesKey('hmac_custom_wait_count', { job: `bad-${encoding}`, case: 'good' })), 3);
    assert.equal(m.get(seriesKey('hmac_custom_wait_count', { job: `bad-${encoding}`, case: 'count' })), undefined);
  }
  assert.equal(m.get(seriesKey('hmac_slo_collector_rejected_data_points_total', { reason: 'histogram_bounds' })), 4);
  assert.equal(m.get(seriesKey('hmac_slo_collector_rejected_data_points_total', { reason: 'histogram_count' })), 2);
});

test('labels over maxLabelValueBytes (UTF-8 bytes) and points over maxAttributesPerPoint are refused, never truncated', async () => {
  const many: Attrs = {};
  for (let i = 0; i < 33; i++) many[`k${i}`] = 'v';
  const points = [
    numberMetric('hmac.custom.long', { value: 1, attrs: { v: 'x'.repeat(1025) } }),
    numberMetric('hmac.custom.long', { value: 1, attrs: { v: '€'.repeat(342) } }), // 1026 bytes in 342 characters
    numberMetric('hmac.custom.long', { value: 1, attrs: { ['k'.repeat(1025)]: 'v' } }),
    numberMetric(`hmac.${'n'.repeat(1100)}`, { value: 1 }),
    numberMetric('hmac.custom.long', { value: 1, attrs: many }),
    numberMetric('hmac.custom.long', { value: 1, attrs: { v: '€'.repeat(341) } }), // 1023 bytes: kept
  ];
  const answers = [];
  for (const encoding of ['json', 'protobuf'] as const) answers.push(await pushMetrics(collector().url, metricsRequest(job(encoding), points), encoding));
  assert.deepEqual(answers[0], answers[1]);
  assert.equal(answers[0]!.rejected, 5, answers[0]!.message);
  assert.match(answers[0]!.message, /longer than 1024 bytes/);
  const longJob = await pushMetrics(collector().url, metricsRequest({ 'service.name': 'j'.repeat(1025) }, [points[5]]), 'json');
  assert.equal(longJob.rejected, 1);
  const m = parseExposition(await (await fetch(`${collector().url}/metrics`)).text());
  assert.equal(m.get(seriesKey('hmac_slo_collector_rejected_data_points_total', { reason: 'label_too_long' })), 9);
  assert.equal(m.get(seriesKey('hmac_slo_collector_rejected_data_points_total', { reason: 'too_many_labels' })), 2);
  assert.equal(m.get(seriesKey('hmac_custom_long', { job: 'bad-json', v: '€'.repeat(341) })), 1);
});

test('one name pushed as a counter, then as a histogram or gauge with the same attributes, is refused (interned attributes too)', () => {
  // Frozen attribute sets take the per-pusher stream cache, like the protobuf reader's interned ones.
  const attrs = Object.freeze({ k: 'v' });
  const agg = new Aggregator(testLimits({ maxSeries: 100, maxSeriesPerJob: 100, pusherTtlMs: 60_000 }));
  const resource = Object.freeze({ 'service.name': 'kinds' });
  const as = (data: object) => agg.ingest([{ resource, metrics: [{ name: 'hmac.kind', unit: '', description: '', data: data as never }] }], 0);
  assert.equal(as({ type: 'sum', temporality: 1, monotonic: true, points: [{ attributes: attrs, start: '', value: 2 }] }).accepted, 1);
  const h = as({ type: 'histogram', temporality: 1, points: [{ attributes: attrs, start: '', count: 1, sum: 1, bounds: [1], counts: [1, 0] }] });
  const g = as({ type: 'gauge', points: [{ attributes: attrs, start: '', value: 9 }] });
  assert.deepEqual([...h.rejected, ...g.rejected], [['type_conflict', 1], ['type_conflict', 1]]);
  const text = assertReadable(agg);
  assert.ok(text.includes('hmac_kind_total{job="kinds",k="v"} 2\n'), text);
});
