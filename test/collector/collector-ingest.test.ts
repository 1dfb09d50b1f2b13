/**
 * The collector as a real process, fed by real OpenTelemetry SDK exporters (OTLP/HTTP JSON and
 * protobuf) from several pushers — cumulative and delta, with a counter reset — and compared with
 * totals computed here, in the test, from what the pushers recorded. Also: spans of failed
 * verifications reach /api/failures with a fingerprint instead of the client ID; the exposition
 * passes `promtool check metrics`; OpenMetrics is served when asked.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { SpanStatusCode } from '@opentelemetry/api';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR, DURATION_BUCKETS_SECONDS, INSTRUMENTS } from '@hmac-slo/instrumentation/contract';
import { afterNextSample, parseExposition, seriesKey, startCollector, tempDir, type CollectorProcess } from '../support/collector.js';
import { Pusher } from './otel-pushers.js';
import { fingerprintsIn } from './fingerprints.js';

let tmp: ReturnType<typeof tempDir>;
let collector: CollectorProcess;

before(async () => {
  tmp = tempDir();
  collector = await startCollector({ dir: tmp.dir });
});
after(async () => {
  await collector?.stop();
  tmp?.cleanup();
});

const V = INSTRUMENTS.verifications.prometheus;
const D = INSTRUMENTS.verificationDuration.prometheus;
const acc = { [ATTR.scheme]: 'ref', [ATTR.keyId]: 'k1', [ATTR.outcome]: 'accepted' };
const mismatch = { [ATTR.scheme]: 'ref', [ATTR.keyId]: 'k1', [ATTR.outcome]: 'rejected', [ATTR.errorType]: 'signature_mismatch' };
const kmsErr = { [ATTR.scheme]: 'ref', [ATTR.keyId]: 'k1', [ATTR.outcome]: 'error', [ATTR.errorType]: 'kms_unavailable' };
const labels = (a: Record<string, string>, job: string) =>
  Object.fromEntries([['job', job], ...Object.entries(a).map(([k, v]) => [k.replace(/[^a-zA-Z0-9_]/g, '_'), v])]);

async function scrape(accept?: string): Promise<{ text: string; type: string }> {
  const res = await fetch(`${collector.url}/metrics`, { headers: accept ? { accept } : {} });
  assert.equal(res.status, 200);
  return { text: await res.text(), type: res.headers.get('content-type') ?? '' };
}

test('several pushers (JSON and protobuf, cumulative with a reset, delta) sum into one series per job', async () => {
  const base = { url: collector.url, serviceName: 'payments' };
  const a = new Pusher({ ...base, protocol: 'json', temporality: 'cumulative', instance: 'a1' });
  const b = new Pusher({ ...base, protocol: 'protobuf', temporality: 'cumulative', instance: 'b1' });
  const c = new Pusher({ ...base, protocol: 'protobuf', temporality: 'delta', instance: 'c1' });
  const d = new Pusher({ url: collector.url, serviceName: 'webhooks', namespace: 'shop', protocol: 'json', temporality: 'delta', instance: 'd1' });
  // Expected totals, written independently of the collector.
  let accepted = 0;
  let mismatches = 0;
  let errors = 0;
  const durations: number[] = [];
  const add = (p: Pusher, attrs: Record<string, string>, n: number) => {
    p.verifications.add(n, attrs);
    if (attrs[ATTR.outcome] === 'accepted') accepted += n;
    else if (attrs[ATTR.outcome] === 'rejected') mismatches += n;
    else errors += n;
  };
  const observe = (p: Pusher, s: number) => {
    p.duration.record(s, { [ATTR.scheme]: 'ref', [ATTR.keyId]: 'k1', [ATTR.outcome]: 'accepted' });
    durations.push(s);
  };

  add(a, acc, 10);
  add(a, mismatch, 2);
  observe(a, 0.004);
  observe(a, 0.02);
  await a.flush();
  add(a, acc, 5);
  observe(a, 0.2);
  await a.flush();
  await a.flush(); // same cumulative values again: adds nothing

  add(b, acc, 7);
  add(b, kmsErr, 1);
  await b.flush();
  await b.restart(); // counter reset: the new values are all new events
  add(b, acc, 3);
  await b.flush();

  add(c, acc, 4);
  observe(c, 0.05);
  await c.flush();
  add(c, acc, 6);
  observe(c, 0.0005);
  await c.flush();

  d.verifications.add(9, acc);
  await d.flush();

  const m = parseExposition((await scrape()).text);
  assert.equal(m.get(seriesKey(V, labels(acc, 'payments'))), accepted);
  assert.equal(m.get(seriesKey(V, labels(mismatch, 'payments'))), mismatches);
  assert.equal(m.get(seriesKey(V, labels(kmsErr, 'payments'))), errors);
  assert.equal(m.get(seriesKey(V, labels(acc, 'shop/webhooks'))), 9);
  // No per-instance label anywhere.
  for (const k of m.keys()) assert.ok(!k.includes('instance'), k);

  // Histogram: cumulative bucket counts computed from the recorded values.
  const h = labels({ [ATTR.scheme]: 'ref', [ATTR.keyId]: 'k1', [ATTR.outcome]: 'accepted' }, 'payments');
  for (const le of DURATION_BUCKETS_SECONDS) {
    assert.equal(m.get(seriesKey(`${D}_bucket`, { ...h, le: String(le) })), durations.filter((x) => x <= le).length, `le=${le}`);
  }
  assert.equal(m.get(seriesKey(`${D}_bucket`, { ...h, le: '+Inf' })), durations.length);
  assert.equal(m.get(seriesKey(`${D}_count`, h)), durations.length);
  assert.ok(Math.abs(m.get(seriesKey(`${D}_sum`, h))! - durations.reduce((x, y) => x + y, 0)) < 1e-9);
  assert.equal(m.get(seriesKey('hmac_slo_collector_active_pushers', {})), 4);

  // SLOs over the same events: auth-success counts rejected + error as bad, auth-availability only error.
  await afterNextSample(collector.url);
  const slo = (await (await fetch(`${collector.url}/api/slo`)).json()) as {
    slos: { job: string; slo: string; windows: { window: string; events: number; badEvents: number; errorRatio: number }[] }[];
  };
  const total = accepted + mismatches + errors;
  const period = (job: string, name: string) => slo.slos.find((s) => s.job === job && s.slo === name)?.windows.find((w) => w.window === '30d');
  assert.deepEqual(
    { events: period('payments', 'auth-success')?.events, bad: period('payments', 'auth-success')?.badEvents },
    { events: total, bad: mismatches + errors },
  );
  assert.equal(period('payments', 'auth-availability')?.badEvents, errors);
  assert.ok(Math.abs(period('payments', 'auth-success')!.errorRatio - (mismatches + errors) / total) < 1e-12);

  const exp = parseExposition((await scrape()).text);
  // The SLO engine answers through /api/slo only: the recording rules own the SLO series (issue 10).
  assert.equal(exp.get(seriesKey('hmac_slo_error_ratio', { job: 'payments', slo: 'auth-success', window: '30d' })), undefined);
  await Promise.all([a, b, c, d].map((p) => p.shutdown()));
});

test('the exposition passes promtool check metrics, and OpenMetrics is served when asked', async () => {
  const { text, type } = await scrape();
  assert.match(type, /^text\/plain; version=0\.0\.4/);
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.equal(r.status, 0, `promtool: ${r.stdout}${r.stderr}`);
  const om = await scrape('application/openmetrics-text; version=1.0.0');
  assert.match(om.type, /^application\/openmetrics-text/);
  assert.ok(om.text.endsWith('# EOF\n'));
  assert.match(om.text, /^# TYPE hmac_auth_verifications counter$/m);
  assert.match(om.text, /^hmac_auth_verifications_total\{/m);
});

test('failed hmac.* spans (JSON and protobuf exporters) reach /api/failures with a client fingerprint, never the raw ID', async () => {
  const clientId = 'partner-acme-secret-id';
  for (const Exporter of [JsonTraceExporter, ProtoTraceExporter]) {
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'payments', 'service.instance.id': 't1' }),
      spanProcessors: [new SimpleSpanProcessor(new Exporter({ url: `${collector.url}/v1/traces` }))],
    });
    const tracer = provider.getTracer('t');
    const bad = tracer.startSpan('hmac.verify', {
      attributes: { [ATTR.keyId]: 'k1', [ATTR.outcome]: 'rejected', [ATTR.errorType]: 'signature_mismatch', [ATTR.clientId]: clientId },
    });
    bad.setStatus({ code: SpanStatusCode.ERROR });
    bad.end();
    tracer.startSpan('hmac.verify', { attributes: { [ATTR.outcome]: 'accepted' } }).end(); // not a failure
    tracer.startSpan('http.request').end();
    await provider.forceFlush();
    await provider.shutdown();
  }
  const res = await fetch(`${collector.url}/api/failures?job=payments`);
  assert.equal(res.status, 200);
  const text = await res.text();
  assert.ok(!text.includes(clientId));
  const body = JSON.parse(text) as { failures: { reason: string; clientFingerprint?: string; traceId: string }[]; topClients: { job: string; clients: { clientFingerprint: string; count: number }[] }[] };
  const fp = fingerprintsIn(tmp.dir)(clientId);
  assert.equal(body.failures.length, 2);
  for (const f of body.failures) {
    assert.equal(f.reason, 'signature_mismatch');
    assert.equal(f.clientFingerprint, fp);
    assert.match(f.traceId, /^[0-9a-f]{32}$/);
  }
  assert.deepEqual(body.topClients.find((t) => t.job === 'payments')?.clients[0]?.clientFingerprint, fp);
  assert.equal((await fetch(`${collector.url}/api/failures?reason=nope`)).status, 400);
});

test('exemplars pushed on histogram points appear on their bucket in OpenMetrics only', async () => {
  const traceId = '0af7651916cd43dd8448eb211c80319c';
  const spanId = 'b7ad6b7169203331';
  const body = {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'exemplary' } }] },
        scopeMetrics: [
          {
            metrics: [
              {
                name: INSTRUMENTS.verificationDuration.name,
                unit: 's',
                histogram: {
                  aggregationTemporality: 'AGGREGATION_TEMPORALITY_DELTA',
                  dataPoints: [
                    {
                      startTimeUnixNano: '1700000000000000000',
                      timeUnixNano: '1700000001000000000',
                      count: '2',
                      sum: 0.052,
                      explicitBounds: [0.01, 0.1],
                      bucketCounts: ['1', '1', '0'],
                      exemplars: [{ asDouble: 0.042, timeUnixNano: '1700000000500000000', traceId, spanId }],
                    },
                  ],
                },
              },
            ],
          },
        ],
      },
    ],
  };
  const res = await fetch(`${collector.url}/v1/metrics`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), {});
  const om = (await scrape('application/openmetrics-text')).text;
  const line = om.split('\n').find((l) => l.startsWith(`${D}_bucket{job="exemplary",le="0.1"}`));
  assert.equal(line, `${D}_bucket{job="exemplary",le="0.1"} 2 # {trace_id="${traceId}",span_id="${spanId}"} 0.042 1700000000.5`);
  assert.ok(!(await scrape()).text.includes(traceId));
});

test('JSON API: SLO history, key usage, method and path errors', async () => {
  const get = (path: string, init?: RequestInit) => fetch(`${collector.url}${path}`, init);
  const history = await get('/api/slo/history?job=payments&slo=auth-success');
  assert.equal(history.status, 200);
  const h = (await history.json()) as { job: string; slo: string; points: { t: number; errorRatio: number }[] };
  assert.equal(h.job, 'payments');
  assert.ok(Array.isArray(h.points));
  assert.equal((await get('/api/slo/history?job=payments')).status, 400);
  assert.equal((await get('/api/slo/history?job=nobody&slo=auth-success')).status, 404);

  // Every verification pushed above named key k1: 38 for payments, 9 for shop/webhooks.
  const keys = (await (await get('/api/keys')).json()) as { keys: { keyId: string; verifications: number; share: number; jobs: string[] }[] };
  const k1 = keys.keys.find((k) => k.keyId === 'k1');
  assert.equal(k1?.verifications, 47);
  assert.equal(k1?.share, 1);
  assert.deepEqual([...k1!.jobs].sort(), ['payments', 'shop/webhooks']);

  assert.equal((await get('/v1/metrics')).status, 405);
  assert.equal((await get('/metrics', { method: 'POST' })).status, 405);
  assert.equal((await get('/nope')).status, 404);
  assert.deepEqual(await (await get('/healthz')).json(), { status: 'ok' });
  assert.equal((await get('/readyz')).status, 200);
});
