/**
 * Client counts across replicas mean the same on every road (docs/metrics.md "Across replicas").
 * Three replicas of one service, each a real OpenTelemetry SDK with real wrappers given `clientId`,
 * see the same fifty clients round robin (one of them failing every request). Each replica exports
 * twice: OTLP to a real hmac-slo collector process (the collector road, one series per job: the
 * largest pusher's value) and exporter-prometheus scraped by a real Prometheus (the exporter road,
 * one series per instance). The client-count expressions of the committed generated alerts give
 * the same numbers for both jobs: one failing client of fifty, forty-nine on the key, not three
 * times that as the sum over replicas would.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { HmacAuthError, instrumentVerifier } from '@hmac-slo/instrumentation';
import { startInTempDir, type CollectorProcess } from '../support/collector.js';
import { Children, ROOT, waitFor } from '../support/processes.js';
import { Prometheus } from '../support/prometheus.js';

const COLLECTOR_JOB = 'clients-road';
const EXPORTER_JOB = 'clients-road-exporter';
const CLIENTS = 50;
const FAILING = 'client-7';

const dir = mkdtempSync(join(tmpdir(), 'hmac-slo-client-roads-'));
const children = new Children(join(dir, 'logs'));
let collector: CollectorProcess | undefined;
let prometheus: Prometheus;
const replicas: { provider: MeterProvider; otlp: PeriodicExportingMetricReader; server: Server }[] = [];

/** The client-count expressions the generated alerts evaluate (lib.gauge's output), read from the file. */
function alertExpressions(): { failing: string; active: string; keyClients: string } {
  const text = readFileSync(join(ROOT, 'alerts', 'generated', 'alerts.yaml'), 'utf8');
  const find = (re: RegExp) => {
    const m = re.exec(text);
    assert.ok(m, `${re} in alerts.yaml`);
    return m[0];
  };
  return {
    failing: find(/sum by \(job\) \(max by \([^)]*\) \(hmac_auth_clients\{hmac_client_state="failing"\}\)\)/),
    active: find(/sum by \(job\) \(max by \([^)]*\) \(hmac_auth_clients\{hmac_client_state="active"\}\)\)/),
    keyClients: find(/max by \(job, hmac_key_id\) \(hmac_key_clients\)/),
  };
}

before(async () => {
  collector = await startInTempDir();
  const c = collector;
  for (let r = 0; r < 3; r++) {
    const otlp = new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `${c.url}/v1/metrics` }), exportIntervalMillis: 3_600_000 });
    const scrape = new PrometheusExporter({ preventServerStart: true });
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': COLLECTOR_JOB, 'service.instance.id': `replica-${r}` }),
      readers: [otlp, scrape],
    });
    const server = createServer((req, res) => scrape.getMetricsRequestHandler(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    replicas.push({ provider, otlp, server });
  }
  // Round robin: every client's requests reach every replica; client-7 fails every time.
  const verifiers = replicas.map(({ provider }) =>
    instrumentVerifier(
      (req: { client: string }) => {
        if (req.client === FAILING) throw new HmacAuthError('signature_mismatch');
        return true;
      },
      { meterProvider: provider, scheme: 'custom-v1', keyId: () => 'k1', knownKeyIds: ['k1'], clientId: (req) => req.client },
    ),
  );
  for (let i = 0; i < CLIENTS; i++) {
    for (const verify of verifiers) {
      try {
        verify({ client: `client-${i}` });
      } catch {
        // client-7's rejections: counted as failing
      }
    }
  }
  for (const { otlp } of replicas) await otlp.forceFlush();
  const targets = replicas.map(({ server }) => `127.0.0.1:${(server.address() as AddressInfo).port}`);
  prometheus = await Prometheus.run(children, dir, {
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    scrape_configs: [
      { job_name: 'hmac-slo-collector', honor_labels: true, static_configs: [{ targets: [new URL(c.url).host] }] },
      { job_name: EXPORTER_JOB, static_configs: [{ targets }] },
    ],
  });
});

after(async () => {
  await children.killAll();
  for (const { provider, server } of replicas) {
    await provider.shutdown().catch(() => undefined);
    server.close();
  }
  await collector?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('the collector road and the exporter road give the same client counts: the largest replica\'s', async () => {
  const q = alertExpressions();
  const byJob = async (expr: string) => Object.fromEntries((await prometheus.query(expr)).map((s) => [s.metric.job, s.value]));
  await waitFor(
    'both roads scraped',
    // Every replica of the exporter road scraped (a series per instance), not only the first.
    async () => Object.keys(await byJob(q.active)).length === 2 && Object.keys(await byJob(q.keyClients)).length === 2 &&
      (await byJob(`count by (job) (hmac_auth_clients{job="${EXPORTER_JOB}", hmac_client_state="failing"})`))[EXPORTER_JOB] === replicas.length,
    30_000,
    500,
  );
  const expected = { [COLLECTOR_JOB]: 1, [EXPORTER_JOB]: 1 };
  assert.deepEqual(await byJob(q.failing), expected, 'one failing client, on both roads');
  assert.deepEqual(await byJob(q.active), { [COLLECTOR_JOB]: CLIENTS, [EXPORTER_JOB]: CLIENTS });
  assert.deepEqual(await byJob(q.keyClients), { [COLLECTOR_JOB]: CLIENTS - 1, [EXPORTER_JOB]: CLIENTS - 1 });
  // What the sum over replicas read on the exporter road: each client three times.
  assert.equal((await byJob('sum by (job) (hmac_auth_clients{hmac_client_state="failing"})'))[EXPORTER_JOB], 3);
});
