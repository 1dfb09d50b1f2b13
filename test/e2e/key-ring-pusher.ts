/**
 * A service reporting its key ring, as a deployment would: the reference key ring with an owner per
 * key, `observeKeyRing` on a real SDK whose resource comes from `OTEL_*` variables, pushing
 * OTLP/HTTP protobuf to the collector every 500 ms for SECONDS.
 *
 * Run as a child process: `node --import tsx key-ring-pusher.ts URL SECONDS`. Keys: `pay-1`
 * (owner payments-team) and `web-1` (no owner), both created two days ago.
 */
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { detectResources, envDetector } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { createKeyRing, observeKeyRing } from '@hmac-slo/instrumentation';

const [url, seconds] = process.argv.slice(2);
const twoDaysAgo = Date.now() - 2 * 86_400_000;
const ring = createKeyRing([
  { id: 'pay-1', secret: 'key-ring-pusher-secret-0123456789', owner: 'payments-team', createdAt: twoDaysAgo },
  { id: 'web-1', secret: 'key-ring-pusher-secret-9876543210', createdAt: twoDaysAgo },
]);
const reader = new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `${url}/v1/metrics` }), exportIntervalMillis: 3_600_000 });
const meterProvider = new MeterProvider({ resource: detectResources({ detectors: [envDetector] }), readers: [reader] });
observeKeyRing(ring, { meterProvider });
const until = Date.now() + Number(seconds) * 1000;
while (Date.now() < until) {
  await reader.forceFlush();
  await new Promise((r) => setTimeout(r, 500));
}
await meterProvider.shutdown();
