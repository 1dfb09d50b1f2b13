/**
 * Lone surrogates (issue 9 review): JSON can spell `"x\ud800"`, which differs from "x\ufffd" in
 * JavaScript but is written identically as UTF-8, so two jobs (or attribute values) that differ
 * only so made /metrics hold duplicate series (SLO gauges, top clients). Every string is made
 * well-formed when it is decoded, so every later identity sees the string that is written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeMetrics, normalizeSpans } from '../../src/collector/otlp/normalize.js';
import { afterNextSample, collectorPerFile, parseExposition, seriesKey } from '../support/collector.js';
import { openMetricsProblems, promtoolParseError } from './exposition-check.js';

const collector = collectorPerFile();
const str = (key: string, v: string) => ({ key, value: { stringValue: v } });
/** JSON with the placeholders LONE_HIGH / LONE_LOW spelled as lone-surrogate escapes. */
const loneSurrogates = (body: unknown) => JSON.stringify(body).replaceAll('LONE_HIGH', '\\ud800').replaceAll('LONE_LOW', '\\udc00');

test('names, units, keys and values of metrics and spans are well-formed once decoded', () => {
  const [rm] = normalizeMetrics(
    JSON.parse(
      loneSurrogates({
        resourceMetrics: [
          {
            resource: { attributes: [str('service.name', 'jobLONE_HIGH')] },
            scopeMetrics: [{ metrics: [{ name: 'hmac.xLONE_LOW', unit: 'sLONE_HIGH', gauge: { dataPoints: [{ attributes: [str('kLONE_LOW', 'vLONE_HIGH'), { key: 'b', value: { bytesValue: 'LONE_LOW' } }], asDouble: 1 }] } }] }],
          },
        ],
      }),
    ),
  );
  const m = rm!.metrics[0]!;
  assert.deepEqual([rm!.resource['service.name'], m.name, m.unit], ['job\ufffd', 'hmac.x\ufffd', 's\ufffd']);
  assert.equal(m.data.type, 'gauge');
  assert.deepEqual({ ...(m.data as { points: { attributes: object }[] }).points[0]!.attributes }, { 'k\ufffd': 'v\ufffd', b: '\ufffd' });
  const [span] = normalizeSpans(JSON.parse(loneSurrogates({ resourceSpans: [{ resource: { attributes: [str('service.name', 'jLONE_HIGH')] }, scopeSpans: [{ spans: [{ name: 'hmac.vLONE_LOW', attributes: [str('hmac.client.id', 'cLONE_HIGH')] }] }] }] })));
  assert.deepEqual([span!.resource['service.name'], span!.name, span!.attributes['hmac.client.id']], ['j\ufffd', 'hmac.v\ufffd', 'c\ufffd']);
});

test('jobs that differ only by a lone surrogate are one job: no duplicate series in /metrics', async () => {
  const c = collector();
  const now = String(Date.now() * 1e6);
  const spans = (job: string) => ({
    resource: { attributes: [str('service.name', job)] },
    scopeSpans: [{ spans: [{ name: 'hmac.verify', traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), startTimeUnixNano: now, endTimeUnixNano: now, status: { code: 2 }, attributes: [str('hmac.key_id', 'k1'), str('hmac.outcome', 'rejected'), str('error.type', 'bad_signature'), str('hmac.client.id', 'customer-1')] }] }],
  });
  const post = async (path: string, body: string) => (await fetch(`${c.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status;
  assert.equal(await post('/v1/traces', loneSurrogates({ resourceSpans: [spans('x\ufffd'), spans('xLONE_HIGH')] })), 200);
  const counter = (job: string, x: string) => ({
    resource: { attributes: [str('service.name', job)] },
    scopeMetrics: [{ metrics: [{ name: 'hmac.auth.verifications', unit: '{verification}', sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [{ attributes: [str('hmac.outcome', 'accepted'), str('hmac.key_id', 'k1'), str('x', x)], timeUnixNano: '2', asDouble: 5 }] } }] }],
  });
  assert.equal(await post('/v1/metrics', loneSurrogates({ resourceMetrics: [counter('yLONE_HIGH', '1'), counter('yLONE_LOW', '2')] })), 200);
  await afterNextSample(c.url); // the SLO gauges of the job are in the exposition too
  const om = Buffer.from(await (await fetch(`${c.url}/metrics`, { headers: { accept: 'application/openmetrics-text' } })).arrayBuffer());
  assert.deepEqual(openMetricsProblems(om), []);
  const text = await (await fetch(`${c.url}/metrics`)).text();
  assert.equal(promtoolParseError(text), undefined);
  const exp = parseExposition(text);
  // Both failures under one job, one fingerprint: one top-clients series with count 2.
  const top = [...exp].filter(([k]) => k.startsWith('hmac_slo_collector_top_rejected_clients{'));
  assert.equal(top.length, 1, top.map(([k]) => k).join('\n'));
  assert.equal(top[0]![1], 2);
  const jobs = new Set([...exp.keys()].filter((k) => k.startsWith('hmac_auth_verifications_total{')).map((k) => /job=([^,}]*)/.exec(k)?.[1]));
  assert.deepEqual([...jobs], ['y\ufffd'], 'one job for both resources');
});
