/**
 * The demo's services are long-running and the totals book keeps each exported batch as a service's
 * running totals, so they export cumulative values whatever the shell says: with
 * OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=delta (docs/collector.md has serverless users set
 * it) the SDK exported deltas and --totals held the last export's counts (0 after the final one).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCollector, tempDir } from '../support/collector.js';
import { runDemo, parseSamples, sumBy } from './demo-process.js';

test('with OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=delta in the environment, --totals still equals what the collector counted', { timeout: 120_000 }, async () => {
  const tmp = tempDir();
  const totalsFile = join(tmp.dir, 'totals.json');
  const demo = runDemo(
    ['--listen', '127.0.0.1:0', '--state-dir', join(tmp.dir, 'state'), '--tour', 'full', '--speed', '80', '--scenario', 'steady', '--duration', '6s', '--log-format', 'json', '--no-ui', '--totals', totalsFile],
    { OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'delta' },
  );
  try {
    assert.deepEqual(await demo.exited, { code: 0, signal: null }, demo.stderr());
    const totals = JSON.parse(readFileSync(totalsFile, 'utf8')) as { verifications: Record<string, Record<string, number>> };
    const services = Object.fromEntries(Object.entries(totals.verifications).map(([job, counts]) => [job, Object.values(counts).reduce((a, b) => a + b, 0)]));
    // The embedded collector is gone with the demo: read its state back.
    const collector = await startCollector({ dir: tmp.dir });
    try {
      const counted = sumBy(parseSamples(await (await fetch(`${collector.url}/metrics`)).text()), 'hmac_auth_verifications_total', (l) => l.job!);
      assert.ok((services['payments-api'] ?? 0) > 0, `the services counted verifications: ${JSON.stringify(services)}`);
      assert.deepEqual(services, counted);
    } finally {
      await collector.stop();
    }
  } finally {
    demo.kill();
    tmp.cleanup();
  }
});
