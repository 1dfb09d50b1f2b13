/**
 * Bad input and abuse against a real collector process: every case gets the status and message the
 * issue specifies, is counted in the collector's own metrics, and the collector keeps serving.
 * Ingestion requires credentials here (a bearer token, or an HMAC signature made with the project's
 * reference signer), so the 401 cases are real too.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { request as httpRequest } from 'node:http';
import { createHmacSigner } from '@hmac-slo/instrumentation';
import { parseExposition, seriesKey, startCollector, tempDir, type CollectorProcess } from '../support/collector.js';

const TOKEN = 'test-token-0123456789';
const HMAC_SECRET = 'an-hmac-secret-of-32-bytes-long!';
let tmp: ReturnType<typeof tempDir>;
let collector: CollectorProcess;

before(async () => {
  tmp = tempDir();
  collector = await startCollector({
    dir: tmp.dir,
    env: { PUSH_TOKEN: TOKEN, PUSH_HMAC: HMAC_SECRET },
    configYaml: [
      'collector:',
      '  limits: { maxBodyBytes: 65536, maxSeriesPerJob: 3, maxJsonDepth: 32 }',
      '  auth:',
      '    bearerTokenEnv: [PUSH_TOKEN]',
      '    hmacKeys: [{ id: push-key, secretEnv: PUSH_HMAC }]',
      '',
    ].join('\n'),
  });
});
after(async () => {
  await collector?.stop();
  tmp?.cleanup();
});

const auth = { authorization: `Bearer ${TOKEN}` };

async function post(body: string | Buffer, headers: Record<string, string>, path = '/v1/metrics') {
  const res = await fetch(`${collector.url}${path}`, { method: 'POST', body: typeof body === 'string' ? body : new Uint8Array(body), headers: { ...auth, ...headers } });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: Buffer.from(await res.arrayBuffer()) };
}

const json = { 'content-type': 'application/json' };
const kv = (key: string, v: string) => ({ key, value: { stringValue: v } });
function request(metrics: unknown[], service = 'bad-input') {
  return JSON.stringify({
    resourceMetrics: [{ resource: { attributes: [kv('service.name', service), kv('service.instance.id', 'i1')] }, scopeMetrics: [{ scope: { name: 't' }, metrics }] }],
  });
}
const counter = (value: unknown, attrs: unknown[] = []) => ({
  name: 'hmac.auth.verifications',
  sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [{ attributes: attrs, startTimeUnixNano: '1', timeUnixNano: '2', asDouble: value }] },
});
const histogram = (bounds: number[], counts: string[], key = 'k1') => ({
  name: 'hmac.auth.verification.duration',
  unit: 's',
  histogram: {
    aggregationTemporality: 1,
    dataPoints: [{ attributes: [kv('hmac.key_id', key)], startTimeUnixNano: '1', timeUnixNano: '2', count: String(counts.reduce((a, b) => a + Number(b), 0)), sum: 1, bucketCounts: counts, explicitBounds: bounds }],
  },
});

test('wrong content type: 415 naming the accepted types', async () => {
  const r = await post('hello', { 'content-type': 'text/plain' });
  assert.equal(r.status, 415);
  assert.match(r.text.toString(), /application\/x-protobuf or application\/json/);
});

test('malformed JSON and malformed protobuf: 400 saying so (protobuf answered in protobuf)', async () => {
  const j = await post('{"resourceMetrics": [', json);
  assert.equal(j.status, 400);
  assert.match(j.text.toString(), /malformed JSON/);
  const p = await post(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), { 'content-type': 'application/x-protobuf' });
  assert.equal(p.status, 400);
  assert.equal(p.type, 'application/x-protobuf');
  assert.match(p.text.toString('latin1'), /malformed protobuf/);
  const shape = await post(JSON.stringify({ resourceMetrics: {} }), json);
  assert.equal(shape.status, 400);
  assert.match(shape.text.toString(), /resourceMetrics: expected an array/);
});

test('bodies over the limit, compressed or decompressed (gzip bomb): 413', async () => {
  const big = await post(request([counter(1, [kv('pad', 'x'.repeat(70_000))])]), json);
  assert.equal(big.status, 413);
  assert.match(big.text.toString(), /exceeds the limit of 65536 bytes/);
  const bomb = gzipSync(Buffer.alloc(10 * 1024 * 1024, 0x20)); // ~10 KiB that inflates to 10 MiB
  assert.ok(bomb.length < 65536);
  const r = await post(bomb, { ...json, 'content-encoding': 'gzip' });
  assert.equal(r.status, 413);
  assert.match(r.text.toString(), /decompressed body exceeds/);
  // Chunked upload (no Content-Length): refused once the limit is passed, answered before the end.
  const chunked = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = httpRequest(`${collector.url}/v1/metrics`, { method: 'POST', headers: { ...json, ...auth } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, text }));
    });
    req.on('error', reject);
    for (let i = 0; i < 10; i++) req.write(Buffer.alloc(16_384, 0x20));
    req.end();
  });
  assert.equal(chunked.status, 413);
  assert.match(chunked.text, /body exceeds the limit of 65536 bytes/);
  // A well-formed gzipped push is fine.
  const ok = await post(gzipSync(request([counter(1)])), { ...json, 'content-encoding': 'gzip' });
  assert.equal(ok.status, 200);
});

test('deeply nested JSON and non-finite numbers: 400 naming the problem', async () => {
  const deep = await post(`{"resourceMetrics":${'['.repeat(40)}${']'.repeat(40)}}`, json);
  assert.equal(deep.status, 400);
  assert.match(deep.text.toString(), /nested deeper than 32 levels/);
  for (const v of ['NaN', 'Infinity', '-Infinity']) {
    const r = await post(request([counter(v)]), json);
    assert.equal(r.status, 400, v);
    assert.match(r.text.toString(), /non-finite number/);
  }
});

test('unsupported points, bucket mismatches and the per-job series cap: partial_success, the rest kept', async () => {
  const expo = await post(request([{ name: 'hmac.auth.verification.duration', exponentialHistogram: { aggregationTemporality: 1, dataPoints: [{}] } }, counter(2)]), json);
  assert.equal(expo.status, 200);
  const e = JSON.parse(expo.text.toString()) as { partialSuccess: { rejectedDataPoints: string; errorMessage: string } };
  assert.equal(e.partialSuccess.rejectedDataPoints, '1');
  assert.match(e.partialSuccess.errorMessage, /exponentialHistogram is not supported/);

  assert.equal((await post(request([histogram([0.1, 1], ['1', '2', '3'])]), json)).status, 200);
  const mismatch = await post(request([histogram([0.5, 1], ['1', '1', '1'])]), json);
  const m = JSON.parse(mismatch.text.toString()) as { partialSuccess: { rejectedDataPoints: string; errorMessage: string } };
  assert.equal(m.partialSuccess.rejectedDataPoints, '1');
  assert.match(m.partialSuccess.errorMessage, /bucket bounds \[0\.5,1\] differ from the stream's \[0\.1,1\]/);

  // Job bad-input now holds 2 series (counter, histogram); the cap is 3 per job.
  const many = await post(request([1, 2, 3].map((i) => counter(1, [kv('hmac.key_id', `key-${i}`)]))), json);
  const s = JSON.parse(many.text.toString()) as { partialSuccess: { rejectedDataPoints: string; errorMessage: string } };
  assert.equal(s.partialSuccess.rejectedDataPoints, '2');
  assert.match(s.partialSuccess.errorMessage, /maxSeriesPerJob 3/);

  const exp = parseExposition(await (await fetch(`${collector.url}/metrics`)).text());
  assert.equal(exp.get(seriesKey('hmac_slo_collector_series_overflow_total', { reason: 'max_series_per_job' })), 2);
  assert.equal(exp.get(seriesKey('hmac_slo_collector_rejected_data_points_total', { reason: 'bucket_mismatch' })), 1);
  assert.equal(exp.get(seriesKey('hmac_slo_collector_rejected_data_points_total', { reason: 'unsupported_type' })), 1);
  // The histogram kept only the first push.
  assert.equal(exp.get(seriesKey('hmac_auth_verification_duration_seconds_count', { job: 'bad-input', hmac_key_id: 'k1' })), 6);
});

test('missing or wrong credentials: 401; bearer token and HMAC-signed pushes accepted', async () => {
  const body = request([counter(1)], 'auth-check');
  const none = await fetch(`${collector.url}/v1/metrics`, { method: 'POST', body, headers: json });
  assert.equal(none.status, 401);
  const wrong = await fetch(`${collector.url}/v1/metrics`, { method: 'POST', body, headers: { ...json, authorization: 'Bearer nope' } });
  assert.equal(wrong.status, 401);
  const text = await wrong.text();
  assert.ok(!text.includes('nope'));

  const sign = createHmacSigner({ keyId: 'push-key', secret: HMAC_SECRET });
  const signed = await fetch(`${collector.url}/v1/metrics`, {
    method: 'POST',
    body,
    headers: { ...json, ...sign({ method: 'POST', path: '/v1/metrics', body }) },
  });
  assert.equal(signed.status, 200);
  const tampered = await fetch(`${collector.url}/v1/metrics`, {
    method: 'POST',
    body: body.replace('"asDouble":1', '"asDouble":9'),
    headers: { ...json, ...sign({ method: 'POST', path: '/v1/metrics', body }) },
  });
  assert.equal(tampered.status, 401);
  const badKey = createHmacSigner({ keyId: 'push-key', secret: 'some-other-secret-of-32-bytes!!!' });
  const forged = await fetch(`${collector.url}/v1/metrics`, { method: 'POST', body, headers: { ...json, ...badKey({ method: 'POST', path: '/v1/metrics', body }) } });
  assert.equal(forged.status, 401);
});

test('every refusal is counted by reason, and the collector still serves', async () => {
  const exp = parseExposition(await (await fetch(`${collector.url}/metrics`)).text());
  const refused = (reason: string) => exp.get(seriesKey('hmac_slo_collector_rejected_pushes_total', { signal: 'metrics', reason })) ?? 0;
  assert.equal(refused('content_type'), 1);
  assert.equal(refused('malformed'), 3);
  assert.equal(refused('too_large'), 3);
  assert.equal(refused('too_deep'), 1);
  assert.equal(refused('non_finite'), 3);
  assert.equal(refused('unauthorized'), 4);
  assert.equal(exp.get(seriesKey('hmac_slo_collector_pushes_total', { signal: 'metrics', result: 'unauthorized' })), 4);
  assert.equal((await fetch(`${collector.url}/healthz`)).status, 200);
  assert.equal(exp.get(seriesKey('hmac_auth_verifications_total', { job: 'auth-check' })), 1);
});

test('request targets that do not parse (GET http://[): 400 with a reason, counted, no error log line', async () => {
  const { hostname, port } = new URL(collector.url);
  const { connect } = await import('node:net');
  for (const target of ['http://[', 'http://a:b/', 'http:// /x']) {
    const answer = await new Promise<string>((resolve) => {
      const s = connect(Number(port), hostname, () => s.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
      let out = '';
      s.on('data', (d: Buffer) => (out += d.toString()));
      s.on('close', () => resolve(out));
    });
    assert.match(answer, /^HTTP\/1\.1 400 /, target);
    // (`http:// /x` is refused by Node's own parser: a space ends the target.)
    if (target !== 'http:// /x') assert.match(answer, /bad request target/, target);
  }
  const exp = parseExposition(await (await fetch(`${collector.url}/metrics`)).text());
  assert.equal(exp.get(seriesKey('hmac_slo_collector_refused_requests_total', { reason: 'bad_request_target' })), 2);
  assert.doesNotMatch(collector.output(), /request failed|"level":50/);
});
