/**
 * A real Prometheus scrapes a collector over TLS with basic auth, using the scrape block of
 * docs/collector.md ("Scrape it with Prometheus") with only the target and file paths rewritten:
 * the target is up and its series arrive, while an unauthenticated client gets 401 on /metrics,
 * /api/slo and the status page.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { parse } from 'yaml';
import { startCollector, tempDir, type CollectorProcess } from '../support/collector.js';
import { makeTestCerts, type TestCerts } from './test-certs.js';
import { basic, call } from './https-client.js';
import { Children, waitFor } from '../support/processes.js';
import { Prometheus } from '../support/prometheus.js';

const PASSWORD = 'scrape-password-from-a-file';
const PUSH_TOKEN = 'push-token-0123456789';

let tmp: ReturnType<typeof tempDir>;
let certs: TestCerts;
let collector: CollectorProcess;
let children: Children;

/** The documented TLS scrape job: the yaml block of docs/collector.md that sets `scheme: https`. */
function documentedScrapeJob(): Record<string, unknown> {
  const doc = readFileSync('docs/collector.md', 'utf8');
  const section = doc.slice(doc.indexOf('## Scrape it with Prometheus'), doc.indexOf('\n## ', doc.indexOf('## Scrape it with Prometheus') + 3));
  const block = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.includes('scheme: https'));
  assert.ok(block, 'docs/collector.md has a TLS scrape block');
  const job = (parse(block) as { scrape_configs: Record<string, unknown>[] }).scrape_configs[0]!;
  assert.equal(job.scheme, 'https');
  return job;
}

before(async () => {
  tmp = tempDir();
  mkdirSync(join(tmp.dir, 'certs'));
  certs = makeTestCerts(join(tmp.dir, 'certs'));
  const web = join(tmp.dir, 'web.yml');
  writeFileSync(web, ['tls_server_config:', '  cert_file: certs/server.crt', '  key_file: certs/server.key', 'basic_auth_users:', `  prometheus: ${bcrypt.hashSync(PASSWORD, 10)}`, ''].join('\n'));
  collector = await startCollector({
    dir: tmp.dir,
    env: { PUSH_TOKEN },
    ui: true,
    configYaml: 'collector:\n  auth:\n    bearerTokenEnv: [PUSH_TOKEN]\n',
    args: ['--web.config.file', web],
  });
  children = new Children(join(tmp.dir, 'logs'));
});
after(async () => {
  await children?.killAll();
  await collector?.stop();
  tmp?.cleanup();
});

test('a real Prometheus scrapes the collector over TLS with basic auth (up=1); unauthenticated reads get 401', async () => {
  const ca = certs.pem.ca;
  const body = JSON.stringify({
    resourceMetrics: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'payments' } }] },
      scopeMetrics: [{ scope: { name: 't' }, metrics: [{ name: 'hmac.auth.verifications', sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [{ attributes: [], startTimeUnixNano: '1', timeUnixNano: '2', asDouble: 7 }] } }] }],
    }],
  });
  const pushed = await call(`${collector.url}/v1/metrics`, { method: 'POST', ca, body, headers: { 'content-type': 'application/json', authorization: `Bearer ${PUSH_TOKEN}` } });
  assert.equal(pushed.status, 200);

  for (const path of ['/metrics', '/api/slo', '/']) {
    assert.equal((await call(`${collector.url}${path}`, { ca })).status, 401, `${path} without credentials`);
  }
  assert.equal((await call(`${collector.url}/metrics`, { ca, headers: basic('prometheus', PASSWORD) })).status, 200);

  const job = documentedScrapeJob();
  const dir = join(tmp.dir, 'prometheus');
  mkdirSync(dir);
  const passwordFile = join(dir, 'scrape-password');
  writeFileSync(passwordFile, `${PASSWORD}\n`);
  const tlsConfig = { ...(job.tls_config as Record<string, unknown>), ca_file: join(certs.dir, certs.files.ca) };
  const prometheus = await Prometheus.start(children, {
    collectors: [new URL(collector.url).host],
    alertmanager: '127.0.0.1:9',
    ruleFiles: [],
    interval: '1s',
    dir,
    collectorScrape: { scheme: job.scheme, tls_config: tlsConfig, basic_auth: { ...(job.basic_auth as Record<string, unknown>), password_file: passwordFile } },
  });
  const target = await waitFor('the collector target healthy', async () => (await prometheus.targets()).find((t) => t.health === 'up'), 20_000);
  assert.match(target.scrapeUrl, /^https:/);
  const up = await prometheus.query('up{job="hmac-slo-collector"}');
  assert.deepEqual(up.map((s) => s.value), [1]);
  const series = await waitFor('the pushed counter in Prometheus', async () => {
    const r = await prometheus.query('hmac_auth_verifications_total{job="payments"}');
    return r.length > 0 ? r : undefined;
  }, 20_000);
  assert.equal(series[0]!.value, 7);
});
