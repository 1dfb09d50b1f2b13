/**
 * `hmac_slo_collector_top_rejected_clients{job, client_fingerprint}`: the collector's top rejected
 * clients per job, exposed on /metrics for Grafana (which cannot read /api/failures). Fed by a real
 * OTel trace exporter into the collector process; checked against counts computed here: at most
 * `collector.failures.topClients` series per job, keyed by fingerprint and never the raw client ID,
 * heavy hitters counted exactly, errors (the verifier's fault) and accepted calls not counted, and
 * the exposition still passes `promtool check metrics`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { parseExposition, startCollector, tempDir, type CollectorProcess } from '../support/collector.js';
import { sendSpans } from './otel-spans.js';
import { fingerprintsIn } from './fingerprints.js';

let tmp: ReturnType<typeof tempDir>;
let collector: CollectorProcess;

before(async () => {
  tmp = tempDir();
  collector = await startCollector({ dir: tmp.dir, configYaml: 'collector:\n  failures:\n    topClients: 3\n' });
});
after(async () => {
  await collector?.stop();
  tmp?.cleanup();
});

const fp = (client: string) => fingerprintsIn(tmp.dir)(client);
const GAUGE = 'hmac_slo_collector_top_rejected_clients';

test('top rejected clients per job appear as a bounded gauge keyed by fingerprint', async () => {
  // payments: five rejected clients, heavy hitters first so they are never evicted (k = 3); the
  // last two compete for the third slot. Errors and accepted calls must not count.
  await sendSpans(collector.url, 'json', 'payments', [
    { client: 'acme-partner-id-0001', outcome: 'rejected', reason: 'signature_mismatch', times: 10 },
    { client: 'globex-partner-id-02', outcome: 'rejected', reason: 'replay', times: 6 },
    { client: 'initech-partner-id-3', outcome: 'rejected', reason: 'unknown_key', times: 2 },
    { client: 'umbrella-partner-id4', outcome: 'rejected', reason: 'timestamp_skew', times: 1 },
    { client: 'hooli-partner-id-005', outcome: 'rejected', reason: 'timestamp_skew', times: 1 },
    { client: 'kms-victim-client-06', outcome: 'error', reason: 'kms_timeout', times: 7 },
    { client: 'happy-client-id-0007', outcome: 'accepted', times: 3 },
  ]);
  await sendSpans(collector.url, 'json', 'billing', [{ client: 'acme-partner-id-0001', outcome: 'rejected', reason: 'revoked_key', times: 2 }]);

  const res = await fetch(`${collector.url}/metrics`);
  const text = await res.text();
  for (const raw of ['acme-partner-id-0001', 'globex-partner-id-02', 'kms-victim-client-06', 'happy-client-id-0007']) {
    assert.ok(!text.includes(raw), `raw client ID ${raw} leaked into /metrics`);
  }
  assert.match(text, new RegExp(`^# TYPE ${GAUGE} gauge$`, 'm'));

  const series = [...parseExposition(text)].filter(([k]) => k.startsWith(`${GAUGE}{`));
  const of = (job: string) => new Map(
    series
      .filter(([k]) => k.includes(`job=${job}`))
      .map(([k, v]) => [/client_fingerprint=([0-9a-f]+)/.exec(k)![1]!, v]),
  );
  const payments = of('payments');
  assert.equal(payments.size, 3, 'at most topClients (3) series per job');
  assert.equal(payments.get(fp('acme-partner-id-0001')), 10);
  assert.equal(payments.get(fp('globex-partner-id-02')), 6);
  assert.ok(!payments.has(fp('kms-victim-client-06')), 'errors are the verifier\'s fault, not the client\'s');
  assert.ok(!payments.has(fp('happy-client-id-0007')));
  // The third slot holds one of the light clients; space-saving may overcount it, never beyond
  // the job's rejected total (10 + 6 + 2 + 1 + 1).
  const [third] = [...payments.keys()].filter((k) => k !== fp('acme-partner-id-0001') && k !== fp('globex-partner-id-02'));
  assert.ok([fp('initech-partner-id-3'), fp('umbrella-partner-id4'), fp('hooli-partner-id-005')].includes(third!));
  assert.ok(payments.get(third!)! >= 1 && payments.get(third!)! <= 20);

  assert.deepEqual([...of('billing')], [[fp('acme-partner-id-0001'), 2]]);

  // The gauge says what /api/failures says.
  const api = (await (await fetch(`${collector.url}/api/failures?limit=1`)).json()) as { topClients: { job: string; clients: { clientFingerprint: string; count: number }[] }[] };
  for (const t of api.topClients) {
    assert.deepEqual(new Map(t.clients.map((c) => [c.clientFingerprint, c.count])), of(t.job), t.job);
  }

  const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.equal(check.status, 0, `promtool: ${check.stdout}${check.stderr}`);
});
