/**
 * `hmac-slo demo` as a command: flag errors name the flag, the pretty banner says where to look,
 * --duration ends it with exit 0, and the key derivation the secrets test relies on is the one the
 * services really use (a request signed with a derived secret is accepted, a wrong one is not).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { createHmacSigner } from '@hmac-slo/instrumentation';
import { tempDir } from '../support/collector.js';
import { demoSecret, runDemo } from './demo-process.js';

const BAD_FLAGS: Array<{ args: string[]; flag: string; says: RegExp }> = [
  { args: ['--scenario', 'replay,meteor-strike'], flag: '--scenario', says: /unknown scenario "meteor-strike"/ },
  { args: ['--speed', '0'], flag: '--speed', says: /positive number/ },
  { args: ['--speed', 'fast'], flag: '--speed', says: /positive number/ },
  { args: ['--duration', '5 minutes'], flag: '--duration', says: /duration such as/ },
  { args: ['--push-to', 'collector:9464'], flag: '--push-to', says: /http\(s\) URL|not a URL/ },
  { args: ['--listen', 'localhost'], flag: '--listen', says: /HOST:PORT/ },
  { args: ['--log-format', 'xml'], flag: '--log-format', says: /pretty or json/ },
  { args: ['--tour', 'long'], flag: '--tour', says: /quick or full/ },
];

test('a bad flag is a CLI error naming the flag, before anything starts', async () => {
  await Promise.all(
    BAD_FLAGS.map(async ({ args, flag, says }) => {
      const demo = runDemo(['--listen', '127.0.0.1:0', ...args]);
      const exit = await demo.exited;
      assert.notEqual(exit.code, 0, `${args.join(' ')} should fail`);
      assert.ok(demo.stderr().includes(flag), `${args.join(' ')}: stderr names ${flag}: ${demo.stderr()}`);
      assert.match(demo.stderr(), says);
      assert.ok(!demo.stdout().includes('demo started'), 'nothing started');
    }),
  );
});

test('pretty output: banner with the collector URLs, a phase line, exit 0 after --duration', async () => {
  const tmp = tempDir();
  try {
    const t0 = Date.now();
    const demo = runDemo(['--listen', '127.0.0.1:0', '--state-dir', tmp.dir, '--log-format', 'pretty', '--duration', '4s', '--speed', '60']);
    const exit = await demo.exited;
    assert.deepEqual(exit, { code: 0, signal: null }, demo.stderr());
    assert.ok(Date.now() - t0 < 30_000);
    const out = demo.stdout();
    const base = /collector\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    assert.ok(base, out);
    for (const path of ['/metrics', '/api/slo', '/api/failures']) assert.ok(out.includes(`${base}${path}`), `banner names ${base}${path}`);
    assert.match(out, new RegExp(`status page\\s+${base}/`));
    assert.match(out, /SimulatedKms\s+a SIMULATED KMS/);
    assert.match(out, /phase 1\/\d+ steady/);
    assert.match(out, /finished \(duration\)/);
  } finally {
    tmp.cleanup();
  }
});

function post(url: string, path: string, headers: Record<string, string>, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const r = request({ host: u.hostname, port: u.port, method: 'POST', path, headers }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    r.on('error', reject);
    r.end(body);
  });
}

test('json output: "demo started" within 30 s; the services accept a request signed with the documented key derivation', async () => {
  const seed = `cli-seed-${randomBytes(4).toString('hex')}`;
  const tmp = tempDir();
  const demo = runDemo(['--listen', '127.0.0.1:0', '--state-dir', tmp.dir, '--log-format', 'json'], { HMAC_SLO_DEMO_SECRET_SEED: seed });
  try {
    const started = await demo.waitFor((l) => l.msg === 'demo started', 30_000);
    for (const field of ['collector', 'metrics', 'slo', 'failures']) assert.match(String(started[field]), /^http:\/\/127\.0\.0\.1:\d+/, field);
    assert.equal(started.metrics, `${started.collector}/metrics`);
    const services = started.services as Array<{ job: string; url?: string; track?: string }>;
    const payments = services.find((s) => s.job === 'payments-api' && s.track === undefined)!;
    const webhooks = services.find((s) => s.job === 'webhook-receiver')!;
    const ids = started.keyIds as { payments: { current: string }; webhooks: { current: string } };

    const send = async (url: string, keyId: string, secret: Uint8Array, host: string | undefined) => {
      const headers: Record<string, string> = { 'content-type': 'application/json', ...(host ? { host } : {}) };
      const body = '{"probe":true}';
      const sign = createHmacSigner({ keyId, secret, headers: Object.keys(headers) });
      return post(url, '/v1/probe', { ...headers, ...sign({ method: 'POST', path: '/v1/probe', headers, body }) }, body);
    };
    const ok = await send(payments.url!, ids.payments.current, demoSecret(seed, ids.payments.current), 'payments-api.internal');
    assert.equal(ok.status, 200, ok.body);
    const wrong = await send(payments.url!, ids.payments.current, randomBytes(32), 'payments-api.internal');
    assert.deepEqual([wrong.status, JSON.parse(wrong.body)], [401, { error: 'signature_mismatch' }]);
    const hook = await send(webhooks.url!, ids.webhooks.current, demoSecret(seed, ids.webhooks.current), undefined);
    assert.equal(hook.status, 200, hook.body);

    // Ctrl-C under `npm start`: the demo gets the terminal's SIGINT and, moments later, npm's copy of
    // it. That is one press: still the graceful stop and exit 0, not the second press's exit 130.
    demo.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 50));
    demo.child.kill('SIGINT');
    assert.deepEqual(await demo.exited, { code: 0, signal: null }, demo.stderr());
    assert.equal(demo.lines().find((l) => l.msg === 'demo finished')?.reason, 'signal:SIGINT');
  } finally {
    demo.kill();
    tmp.cleanup();
  }
});
