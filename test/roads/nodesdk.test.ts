/**
 * The NodeSDK road: a real Express app (Stripe webhooks through `hmacAuth`) started the way users
 * start it, `node --import ./telemetry.mjs app`, under a NodeSDK configured by OTEL_* variables only,
 * pushing OTLP/HTTP protobuf to a real hmac-slo collector. Metrics arrive under the contract's names;
 * the wrapper's `hmac.verify` span is a child of the HTTP server span (spans also go to the console
 * exporter, read back from the child's output). A second run uses the programmatic setup with the
 * opt-in metric producer: latency histograms then come from the producer's tables.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INSTRUMENTS, SPANS } from '@hmac-slo/instrumentation/contract';
import { startInTempDir, type CollectorProcess } from '../support/collector.js';
import { Children, waitFor, type Child } from '../support/processes.js';
import { sendStripe } from './stripe-app.js';

const dir = mkdtempSync(join(tmpdir(), 'hmac-slo-nodesdk-'));
const children = new Children(join(dir, 'logs'));
const collectors: CollectorProcess[] = [];
after(async () => {
  await children.killAll();
  for (const c of collectors) await c.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function startApp(setup: string, collectorUrl: string, service: string): Promise<{ child: Child; url: string }> {
  const child = children.spawn(service, process.execPath, ['--conditions=source', '--import', 'tsx', '--import', `./test/roads/fixtures/${setup}`, 'test/roads/fixtures/stripe-app-main.ts'], {
    env: {
      OTEL_SERVICE_NAME: service,
      OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_TRACES_EXPORTER: 'otlp,console',
      OTEL_LOGS_EXPORTER: 'none',
      OTEL_METRIC_EXPORT_INTERVAL: '500',
      OTEL_BSP_SCHEDULE_DELAY: '200',
    },
  });
  const url = await waitFor(`${service} listening`, () => {
    if (!child.running()) throw new Error(`${service} exited:\n${child.output()}`);
    return /\{"listening":"([^"]+)"\}/.exec(child.output())?.[1];
  }, 20_000, 50);
  return { child, url };
}

/** The collector's exposition lines of one family for one job. */
async function linesOf(collector: CollectorProcess, family: string, job: string): Promise<string[]> {
  const text = await (await fetch(`${collector.url}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith(`${family}{`) && l.includes(`job="${job}"`));
}

/** Spans the console exporter printed (util.inspect objects): name, id, kind and parent span ID. */
function consoleSpans(output: string): { name: string; id: string; kind: number; parentId?: string }[] {
  const spans = [];
  for (const block of output.split(/\n(?=\{)/)) {
    const name = /\n  name: '([^']+)'/.exec(block)?.[1];
    const id = /\n  id: '([0-9a-f]{16})'/.exec(block)?.[1];
    const kind = /\n  kind: (\d+)/.exec(block)?.[1];
    if (!name || !id || !kind) continue;
    const parentId = /\n  parentSpanContext: \{[^}]*?spanId: '([0-9a-f]{16})'/.exec(block)?.[1];
    spans.push({ name, id, kind: Number(kind), parentId });
  }
  return spans;
}

test('env-configured NodeSDK: contract metrics reach the collector, hmac.verify nests under the HTTP server span', async () => {
  const collector = await startInTempDir();
  collectors.push(collector);
  const { child, url } = await startApp('otel-setup.mjs', collector.url, 'nodesdk-env');
  assert.equal(await sendStripe(url, 'valid'), 200);
  assert.equal(await sendStripe(url, 'wrong-secret'), 401);

  const verifications = INSTRUMENTS.verifications.prometheus;
  const lines = await waitFor('verifications at the collector', async () => {
    const l = await linesOf(collector, verifications, 'nodesdk-env');
    return l.length >= 2 ? l : undefined;
  }, 20_000, 200);
  assert.ok(lines.some((l) => /hmac_outcome="accepted"/.test(l) && /hmac_scheme="stripe"/.test(l) && / 1$/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /error_type="signature_mismatch"/.test(l) && / 1$/.test(l)), lines.join('\n'));
  const buckets = await linesOf(collector, `${INSTRUMENTS.verificationDuration.prometheus}_bucket`, 'nodesdk-env');
  assert.ok(buckets.some((l) => l.includes('le="0.005"')), 'the contract buckets, not the SDK default ones');

  const spans = await waitFor('both requests\' spans on the console', () => {
    // Stdout only: a warning on stderr (e.g. NO_COLOR and FORCE_COLOR both set) can land inside a span's dump.
    const s = consoleSpans(child.stdout());
    return s.filter((x) => x.name === SPANS.verify).length >= 2 ? s : undefined;
  }, 20_000, 200);
  const servers = new Map(spans.filter((s) => s.kind === 1 /* SERVER */).map((s) => [s.id, s]));
  for (const verify of spans.filter((s) => s.name === SPANS.verify)) {
    assert.ok(verify.parentId && servers.has(verify.parentId), `hmac.verify ${verify.id} has parent ${verify.parentId}, not an HTTP server span (${[...servers.keys()]})`);
  }
});

test('programmatic NodeSDK with the opt-in metric producer: histograms from the tables reach the collector', async () => {
  const collector = await startInTempDir();
  collectors.push(collector);
  const { url } = await startApp('otel-setup-producer.mjs', collector.url, 'nodesdk-producer');
  for (let i = 0; i < 3; i++) assert.equal(await sendStripe(url, 'valid'), 200);
  const count = `${INSTRUMENTS.verificationDuration.prometheus}_count`;
  const lines = await waitFor('the producer\'s histogram at the collector', async () => {
    const l = await linesOf(collector, count, 'nodesdk-producer');
    return l.some((x) => / 3$/.test(x)) ? l : undefined;
  }, 20_000, 200);
  assert.ok(lines.some((l) => /hmac_outcome="accepted"/.test(l)), lines.join('\n'));
  assert.equal((await linesOf(collector, INSTRUMENTS.verifications.prometheus, 'nodesdk-producer')).length, 1);
});
