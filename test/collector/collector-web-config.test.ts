/**
 * The web config (exporter-toolkit format, `--web.config.file`) on a real collector process: TLS on
 * every endpoint, basic (bcrypt) and bearer read credentials on /metrics, /api/* and the status page,
 * health checks open or closed as configured, client certificates, and read and push credentials
 * kept apart. Certificates are made with openssl for each run.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { parseExposition, seriesKey, startCollector, tempDir, type CollectorProcess } from '../support/collector.js';
import { makeTestCerts, type TestCerts } from './test-certs.js';
import { basic, call } from './https-client.js';

const PUSH_TOKEN = 'push-token-0123456789';
const READ_TOKEN = 'read-token-from-env-0123';
const HASHED_READ_TOKEN = 'read-token-given-by-hash';
const PASSWORD = 'scrape-password-9876';
const PUSH_AUTH = `collector:\n  auth:\n    bearerTokenEnv: [PUSH_TOKEN]\n`;

let tmp: ReturnType<typeof tempDir>;
let certs: TestCerts;
let open: CollectorProcess;
let mtls: CollectorProcess;

function webConfig(name: string, lines: string[]): string {
  const file = join(tmp.dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

before(async () => {
  tmp = tempDir();
  mkdirSync(join(tmp.dir, 'certs'));
  certs = makeTestCerts(join(tmp.dir, 'certs'));
  const env = { PUSH_TOKEN, READ_TOKEN };
  const tls = ['tls_server_config:', '  cert_file: certs/server.crt', '  key_file: certs/server.key'];
  const basicWeb = webConfig('web-basic.yml', [
    ...tls,
    'basic_auth_users:',
    `  prometheus: ${bcrypt.hashSync(PASSWORD, 4)}`,
    'bearer_tokens:',
    '  - env: READ_TOKEN',
    `  - sha256: ${createHash('sha256').update(HASHED_READ_TOKEN).digest('hex')}`,
  ]);
  const mtlsWeb = webConfig('web-mtls.yml', [
    ...tls,
    '  client_auth_type: RequireAndVerifyClientCert',
    '  client_ca_file: certs/ca.crt',
    'bearer_tokens: [{ env: READ_TOKEN }]',
    'health_endpoints_open: false',
  ]);
  const dirA = join(tmp.dir, 'a');
  const dirB = join(tmp.dir, 'b');
  mkdirSync(dirA);
  mkdirSync(dirB);
  [open, mtls] = await Promise.all([
    startCollector({ dir: dirA, env, ui: true, configYaml: PUSH_AUTH, args: ['--web.config.file', basicWeb] }),
    startCollector({ dir: dirB, env, configYaml: `${PUSH_AUTH}  webConfigFile: ${mtlsWeb}\n` }),
  ]);
});
after(async () => {
  await Promise.all([open?.stop(), mtls?.stop()]);
  tmp?.cleanup();
});

const READS = ['/metrics', '/api/slo', '/api/keys', '/api/failures', '/', '/app.js', '/style.css', '/no-such-page'];

test('TLS with basic auth: every read needs credentials; health checks stay open', async () => {
  assert.match(open.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const ca = certs.pem.ca;
  for (const path of READS) {
    const none = await call(`${open.url}${path}`, { ca });
    assert.equal(none.status, 401, `${path} without credentials`);
    assert.match(String(none.headers['www-authenticate']), /^Basic realm="hmac-slo"/);
    assert.equal((await call(`${open.url}${path}`, { ca, headers: basic('prometheus', 'wrong') })).status, 401, `${path} wrong password`);
    assert.equal((await call(`${open.url}${path}`, { ca, headers: basic('nobody', PASSWORD) })).status, 401, `${path} unknown user`);
    // A push credential does not read.
    assert.equal((await call(`${open.url}${path}`, { ca, headers: { authorization: `Bearer ${PUSH_TOKEN}` } })).status, 401, `${path} push token`);
  }
  for (const path of ['/metrics', '/api/slo', '/api/keys', '/api/failures', '/', '/app.js']) {
    assert.equal((await call(`${open.url}${path}`, { ca, headers: basic('prometheus', PASSWORD) })).status, 200, `${path} with basic auth`);
  }
  assert.equal((await call(`${open.url}/metrics`, { ca, headers: { authorization: `Bearer ${READ_TOKEN}` } })).status, 200);
  assert.equal((await call(`${open.url}/api/slo`, { ca, headers: { authorization: `Bearer ${HASHED_READ_TOKEN}` } })).status, 200);
  for (const path of ['/healthz', '/readyz']) assert.equal((await call(`${open.url}${path}`, { ca })).status, 200, path);
  const text = (await call(`${open.url}/metrics`, { ca, headers: basic('prometheus', PASSWORD) })).text;
  assert.ok(!text.includes(PASSWORD) && !text.includes(READ_TOKEN));
  assert.ok((parseExposition(text).get(seriesKey('hmac_slo_collector_refused_requests_total', { reason: 'unauthorized' })) ?? 0) >= READS.length * 4);
});

test('read credentials do not push, push credentials do', async () => {
  const ca = certs.pem.ca;
  const body = JSON.stringify({ resourceMetrics: [] });
  const headers = { 'content-type': 'application/json' };
  assert.equal((await call(`${open.url}/v1/metrics`, { method: 'POST', ca, body, headers: { ...headers, ...basic('prometheus', PASSWORD) } })).status, 401);
  assert.equal((await call(`${open.url}/v1/metrics`, { method: 'POST', ca, body, headers: { ...headers, authorization: `Bearer ${READ_TOKEN}` } })).status, 401);
  assert.equal((await call(`${open.url}/v1/metrics`, { method: 'POST', ca, body, headers: { ...headers, authorization: `Bearer ${PUSH_TOKEN}` } })).status, 200);
});

test('client certificates: RequireAndVerifyClientCert refuses none and untrusted ones; health checks closed when configured', async () => {
  const ca = certs.pem.ca;
  const auth = { authorization: `Bearer ${READ_TOKEN}` };
  await assert.rejects(call(`${mtls.url}/metrics`, { ca, headers: auth }), 'no client certificate');
  await assert.rejects(call(`${mtls.url}/metrics`, { ca, headers: auth, cert: certs.pem.rogueCert, key: certs.pem.rogueKey }), 'untrusted client certificate');
  const client = { ca, cert: certs.pem.clientCert, key: certs.pem.clientKey };
  assert.equal((await call(`${mtls.url}/healthz`, client)).status, 401);
  assert.equal((await call(`${mtls.url}/readyz`, client)).status, 401);
  assert.equal((await call(`${mtls.url}/healthz`, { ...client, headers: auth })).status, 200);
  const metrics = await call(`${mtls.url}/metrics`, { ...client, headers: auth });
  assert.equal(metrics.status, 200);
  assert.ok((parseExposition(metrics.text).get(seriesKey('hmac_slo_collector_refused_requests_total', { reason: 'tls_handshake' })) ?? 0) >= 2);
});

test('a web config that protects reads while pushes are open, or names a bad hash, stops the start with the reason', async () => {
  const noPushAuth = webConfig('web-no-push.yml', [`basic_auth_users: { prometheus: ${bcrypt.hashSync(PASSWORD, 4)} }`]);
  await assert.rejects(startCollector({ dir: tmp.dir, args: ['--web.config.file', noPushAuth] }), /collector\.auth configures none for pushes/);
  const badHash = webConfig('web-bad-hash.yml', ['basic_auth_users: { prometheus: plain-text-password }']);
  await assert.rejects(startCollector({ dir: tmp.dir, configYaml: PUSH_AUTH, env: { PUSH_TOKEN }, args: ['--web.config.file', badHash] }), /basic_auth_users\.prometheus: expected a bcrypt hash/);
});

/** Why the collector did not start, or 'started' (then stopped) when it did. */
async function startError(opts: Parameters<typeof startCollector>[0]): Promise<string> {
  try {
    await (await startCollector(opts)).stop();
    return 'started';
  } catch (err) {
    return (err as Error).message;
  }
}

test('TLS files are checked at start: a client CA that is no certificate, or a key of another certificate, stops the start (exit 2) naming the web config and the field', async () => {
  const base = ['tls_server_config:', '  cert_file: certs/server.crt'];
  // A client CA that is a key, a key of another certificate, a certificate that is a key.
  const cases: [string, string[], RegExp][] = [
    ['web-bad-ca.yml', [...base, '  key_file: certs/server.key', '  client_auth_type: RequireAndVerifyClientCert', '  client_ca_file: certs/server.key'], /web-bad-ca\.yml: tls_server_config\.client_ca_file \(.*server\.key\): holds no PEM certificate/],
    ['web-bad-key.yml', [...base, '  key_file: certs/client.key'], /web-bad-key\.yml: tls_server_config\.key_file \(.*client\.key\): is not the private key of cert_file .*server\.crt/],
    ['web-bad-cert.yml', ['tls_server_config:', '  cert_file: certs/server.key', '  key_file: certs/server.key'], /web-bad-cert\.yml: tls_server_config\.cert_file \(.*server\.key\): not a PEM certificate/],
  ];
  for (const [name, lines, message] of cases) {
    const error = await startError({ dir: tmp.dir, configYaml: PUSH_AUTH, env: { PUSH_TOKEN }, args: ['--web.config.file', webConfig(name, lines)] });
    assert.match(error, message, name);
    assert.match(error, /exited with 2 before listening/, name);
  }
});

test('collector.server timeouts over the longest timer Node can set (about 24.8 days) are refused by the schema', async () => {
  const error = await startError({ dir: tmp.dir, configYaml: 'collector:\n  server: { idleTimeout: 25d }\n' });
  assert.match(error, /collector\.server\.idleTimeout.*at most 24d/);
  assert.match(error, /exited with 2 before listening/);
});
