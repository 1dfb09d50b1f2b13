/**
 * Push credentials on a real collector process: credentials are checked from the headers before the
 * body is read (an unauthenticated 4 MiB body is answered 401 while the client is still sending it,
 * and the connection is closed); a credential bound to jobs cannot write another job's resources
 * (403 naming the job, counted); a signed push captured and replayed after a restart is refused;
 * on a full disk a signed push is a 503 (storage_unavailable), not an authentication failure.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { createHmacSigner } from '@hmac-slo/instrumentation';
import { parseExposition, seriesKey, startCollector, tempDir, type CollectorProcess } from '../support/collector.js';
import { mountSmallTmpfs } from './small-tmpfs.js';

const env = { PAYMENTS_TOKEN: 'payments-token-0123456789', ANY_TOKEN: 'any-job-token-0123456789', BILLING_KEY: 'billing-hmac-secret-32-bytes-long' };
/** Credentials without job bindings (the shared collector), and the same bound to jobs. */
const CONFIG = 'collector:\n  auth:\n    bearerTokenEnv: [ANY_TOKEN]\n    hmacKeys: [{ id: billing-key, secretEnv: BILLING_KEY }]\n';
const BOUND_CONFIG = [
  'collector:',
  '  auth:',
  '    bearerTokenEnv: [{ env: PAYMENTS_TOKEN, jobs: [payments] }, ANY_TOKEN]',
  '    hmacKeys: [{ id: billing-key, secretEnv: BILLING_KEY, jobs: [shop/billing] }]',
  '',
].join('\n');
const json = { 'content-type': 'application/json' };
const kv = (key: string, v: string) => ({ key, value: { stringValue: v } });
const resource = (job: string) => {
  const [ns, name] = job.includes('/') ? job.split('/') : [undefined, job];
  return { attributes: [kv('service.name', name!), kv('service.instance.id', `${job}-1`), ...(ns ? [kv('service.namespace', ns)] : [])] };
};
const counter = { name: 'hmac.auth.verifications', sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [{ attributes: [], startTimeUnixNano: '1', timeUnixNano: '2', asDouble: 1 }] } };
const metricsBody = (...jobs: string[]) => JSON.stringify({ resourceMetrics: jobs.map((j) => ({ resource: resource(j), scopeMetrics: [{ scope: { name: 't' }, metrics: [counter] }] })) });
const span = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: 'hmac.verify', startTimeUnixNano: '1', endTimeUnixNano: '2', status: { code: 2 } };
const tracesBody = (...jobs: string[]) => JSON.stringify({ resourceSpans: jobs.map((j) => ({ resource: resource(j), scopeSpans: [{ scope: { name: 't' }, spans: [span] }] })) });
const bearer = (token: string) => ({ ...json, authorization: `Bearer ${token}` });
const signBilling = createHmacSigner({ keyId: 'billing-key', secret: env.BILLING_KEY });
const signed = (body: string, path = '/v1/metrics') => ({ ...json, ...signBilling({ method: 'POST', path, body }) });

let tmp: ReturnType<typeof tempDir>;
let collector: CollectorProcess;
before(async () => {
  tmp = tempDir();
  collector = await startCollector({ dir: tmp.dir, env, configYaml: CONFIG });
});
after(async () => {
  await collector?.stop();
  tmp?.cleanup();
});

async function post(body: string, headers: Record<string, string>, path = '/v1/metrics', to = collector) {
  const res = await fetch(`${to.url}${path}`, { method: 'POST', body, headers });
  return { status: res.status, text: await res.text() };
}

/**
 * Streams a `total`-byte body in 64 KiB chunks, 20 ms apart (about 1.3 s for 4 MiB), and reports
 * how much had been sent when the answer came and whether the server closed before the end.
 */
function slowPush(headers: Record<string, string>, total = 4 * 1024 * 1024): Promise<{ status: number; sentAtAnswer: number; sent: number; answeredMs: number; closedEarly: boolean }> {
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  return new Promise((resolve) => {
    let sent = 0;
    let sentAtAnswer = -1;
    let status = 0;
    let answeredMs = -1;
    let stopped = false;
    const started = Date.now();
    const req = httpRequest(`${collector.url}/v1/metrics`, { method: 'POST', headers: { ...headers, 'content-length': String(total) }, agent: false }, (res) => {
      status = res.statusCode!;
      sentAtAnswer = sent;
      answeredMs = Date.now() - started;
      res.resume();
    });
    const finish = () => {
      if (stopped) return;
      stopped = true;
      resolve({ status, sentAtAnswer, sent, answeredMs, closedEarly: sent < total });
    };
    req.on('error', finish);
    req.on('close', () => setTimeout(finish, 50));
    const pump = () => {
      if (stopped || req.destroyed) return finish();
      if (sent >= total) return void req.end();
      req.write(chunk);
      sent += chunk.length;
      setTimeout(pump, 20);
    };
    pump();
  });
}

test('credentials are checked before the body is read: an unauthenticated 4 MiB body is refused while it is still being sent', async () => {
  const forgedSigner = createHmacSigner({ keyId: 'billing-key', secret: 'not-the-billing-secret-32-bytes!!' });
  const unknownKey = createHmacSigner({ keyId: 'no-such-key', secret: env.BILLING_KEY });
  const cases: [string, Record<string, string>][] = [
    ['no credentials', json],
    ['wrong bearer token', bearer('wrong-token')],
    ['forged HMAC signature', { ...json, ...forgedSigner({ method: 'POST', path: '/v1/metrics', body: 'x' }) }],
    ['unknown HMAC key', { ...json, ...unknownKey({ method: 'POST', path: '/v1/metrics', body: 'x' }) }],
  ];
  for (const [what, headers] of cases) {
    const r = await slowPush(headers);
    assert.equal(r.status, 401, what);
    assert.ok(r.sentAtAnswer <= 512 * 1024, `${what}: answered after ${r.sentAtAnswer} bytes were sent`);
    assert.ok(r.closedEarly, `${what}: the client could send all ${r.sent} bytes`);
    console.log(`${what}: 401 after ${r.answeredMs} ms with ${r.sentAtAnswer} bytes sent; connection closed after ${r.sent} of 4194304 bytes`);
  }
});

test('a credential bound to jobs writes only those jobs: one resource of another job refuses the whole push (403, counted)', async () => {
  const dir = tempDir();
  const bound = await startCollector({ dir: dir.dir, env, configYaml: BOUND_CONFIG });
  try {
    const send = (body: string, headers: Record<string, string>, path = '/v1/metrics') => post(body, headers, path, bound);
    assert.equal((await send(metricsBody('payments'), bearer(env.PAYMENTS_TOKEN))).status, 200);
    const mixed = await send(metricsBody('payments', 'shop/billing'), bearer(env.PAYMENTS_TOKEN));
    assert.equal(mixed.status, 403);
    assert.match(mixed.text, /bearer token from PAYMENTS_TOKEN may not write job \\"shop\/billing\\"/);
    assert.ok(!mixed.text.includes(env.PAYMENTS_TOKEN));
    assert.equal((await send(metricsBody('shop/billing'), signed(metricsBody('shop/billing')))).status, 200);
    const unNamespaced = await send(metricsBody('billing'), signed(metricsBody('billing')));
    assert.equal(unNamespaced.status, 403);
    assert.match(unNamespaced.text, /HMAC key billing-key may not write job \\"billing\\"/);
    const traces = await send(tracesBody('payments', 'orders'), bearer(env.PAYMENTS_TOKEN), '/v1/traces');
    assert.equal(traces.status, 403);
    assert.match(traces.text, /may not write job \\"orders\\"/);
    assert.equal((await send(tracesBody('shop/billing'), signed(tracesBody('shop/billing'), '/v1/traces'), '/v1/traces')).status, 200);
    // An unbound credential writes any job.
    assert.equal((await send(metricsBody('orders', 'payments'), bearer(env.ANY_TOKEN))).status, 200);

    const exp = parseExposition(await (await fetch(`${bound.url}/metrics`)).text());
    assert.equal(exp.get(seriesKey('hmac_slo_collector_rejected_pushes_total', { signal: 'metrics', reason: 'job_not_allowed' })), 2);
    assert.equal(exp.get(seriesKey('hmac_slo_collector_rejected_pushes_total', { signal: 'traces', reason: 'job_not_allowed' })), 1);
    assert.equal(exp.get(seriesKey('hmac_slo_collector_pushes_total', { signal: 'metrics', result: 'forbidden' })), 2);
    // Nothing of a refused push was applied: payments has its own push and the unbound token's.
    assert.equal(exp.get(seriesKey('hmac_auth_verifications_total', { job: 'payments' })), 2);
    assert.equal(exp.get(seriesKey('hmac_auth_verifications_total', { job: 'shop/billing' })), 1);
  } finally {
    await bound.stop();
    dir.cleanup();
  }
});

test('a signed push captured and replayed after a restart (SIGKILL or SIGTERM) is refused as a replay', async () => {
  const body = metricsBody('shop/billing');
  for (const restart of ['SIGKILL', 'SIGTERM'] as const) {
    const captured = signed(body);
    assert.equal((await post(body, captured)).status, 200);
    assert.equal((await post(body, captured)).status, 401, 'replayed to the same process');
    if (restart === 'SIGKILL') await collector.kill();
    else await collector.stop();
    collector = await startCollector({ dir: tmp.dir, env, configYaml: CONFIG });
    const replay = await post(body, captured);
    assert.equal(replay.status, 401, `replayed after ${restart}`);
    assert.match(replay.text, /replay/);
    // A fresh signature is accepted.
    assert.equal((await post(body, signed(body))).status, 200);
  }
});

test('on a full disk a signed push is answered 503 storage_unavailable (retried by exporters), never 401', async (t) => {
  const fs = mountSmallTmpfs('1m');
  if (!fs) return t.skip('cannot mount a tmpfs here (needs root)');
  const c = await startCollector({ dir: fs.dir, env, configYaml: CONFIG });
  try {
    const body = metricsBody('shop/billing');
    assert.equal((await post(body, signed(body), '/v1/metrics', c)).status, 200);
    fs.fill();
    const answers: string[] = [];
    // Room left in the last pages of the files is used first: push until the nonce write fails.
    // (A failing push-log append is the persistence code's to answer.)
    for (let i = 0; i < 300 && !answers.includes('503 storage'); i++) {
      const r = await post(body, signed(body), '/v1/metrics', c);
      answers.push(`${r.status}${r.status === 503 ? (/storage|ENOSPC/.test(r.text) ? ' storage' : ` ${r.text}`) : ''}`);
    }
    assert.ok(!answers.some((a) => a.startsWith('401')), `no push is taken for a bad signature: ${answers.join(', ')}`);
    assert.ok(answers.includes('503 storage'), answers.join(', '));
    const exp = parseExposition(await (await fetch(`${c.url}/metrics`)).text());
    assert.ok((exp.get(seriesKey('hmac_slo_collector_rejected_pushes_total', { signal: 'metrics', reason: 'storage_unavailable' })) ?? 0) >= 1);
    assert.equal(exp.get(seriesKey('hmac_slo_collector_rejected_pushes_total', { signal: 'metrics', reason: 'unauthorized' })), undefined);
    fs.free();
    assert.equal((await post(body, signed(body), '/v1/metrics', c)).status, 200, 'accepted once space is back');
  } finally {
    await c.stop();
    fs.cleanup();
  }
});
