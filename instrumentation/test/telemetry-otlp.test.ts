import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { createMetricProducer } from '../src/telemetry/producer.js';
import { instrumentVerifier } from '../src/wrap/verifier.js';
import { HmacAuthError } from '../src/errors.js';
import { DURATION_BUCKETS_SECONDS } from '../src/contract.js';

interface OtlpMetric {
  name: string;
  unit?: string;
  sum?: { isMonotonic?: boolean; aggregationTemporality?: number; dataPoints: Array<{ asInt?: string | number; asDouble?: number; attributes: Array<{ key: string; value: { stringValue?: string } }> }> };
  histogram?: { aggregationTemporality?: number; dataPoints: Array<{ count: string | number; explicitBounds: number[]; bucketCounts: Array<string | number>; attributes: Array<{ key: string; value: { stringValue?: string } }> }> };
}

for (const useProducer of [false, true]) {
  test(`the real OTLP/HTTP exporter carries counters and histograms as OTLP sums and histograms (${useProducer ? 'producer' : 'drop-in'})`, async () => {
    const bodies: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        bodies.push(body);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const producer = useProducer ? createMetricProducer() : undefined;
      const reader = new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: `http://127.0.0.1:${port}/v1/metrics` }),
        exportIntervalMillis: 600_000,
        metricProducers: producer ? [producer] : undefined,
      });
      const meterProvider = new MeterProvider({ readers: [reader] });
      producer?.attach(meterProvider);
      const verify = instrumentVerifier(
        (ok: boolean) => {
          if (!ok) throw new HmacAuthError('digest_mismatch');
          return ok;
        },
        { meterProvider, scheme: 'otlp-test' },
      );
      verify(true);
      verify(true);
      assert.throws(() => verify(false));
      await reader.forceFlush();
      await meterProvider.shutdown();

      assert.ok(bodies.length >= 1);
      const metrics: OtlpMetric[] = bodies.flatMap((b) =>
        (JSON.parse(b) as { resourceMetrics: Array<{ scopeMetrics: Array<{ metrics: OtlpMetric[] }> }> }).resourceMetrics.flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics)),
      );
      const attr = (attrs: Array<{ key: string; value: { stringValue?: string } }>, key: string) => attrs.find((a) => a.key === key)?.value.stringValue;

      const counter = metrics.find((m) => m.name === 'hmac.auth.verifications')!;
      assert.ok(counter.sum, 'a counter travels as an OTLP Sum');
      assert.equal(counter.sum.isMonotonic, true);
      assert.equal(counter.sum.aggregationTemporality, 2, 'cumulative');
      const byReason = Object.fromEntries(counter.sum.dataPoints.map((d) => [attr(d.attributes, 'error.type') ?? 'accepted', Number(d.asInt ?? d.asDouble)]));
      assert.deepEqual(byReason, { accepted: 2, digest_mismatch: 1 });

      const histogram = metrics.find((m) => m.name === 'hmac.auth.verification.duration')!;
      assert.ok(histogram.histogram, 'a duration travels as an OTLP Histogram');
      assert.equal(histogram.unit, 's');
      assert.equal(histogram.histogram.aggregationTemporality, 2);
      const points = histogram.histogram.dataPoints;
      assert.deepEqual(points.map((d) => [attr(d.attributes, 'hmac.outcome'), Number(d.count)]).sort(), [['accepted', 2], ['rejected', 1]]);
      for (const d of points) {
        assert.deepEqual(d.explicitBounds, [...DURATION_BUCKETS_SECONDS]);
        assert.equal(d.bucketCounts.reduce<number>((a, b) => a + Number(b), 0), Number(d.count));
      }
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
}
