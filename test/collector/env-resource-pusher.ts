/**
 * A service configured the way a deployment configures it: its resource comes only from the
 * standard environment variables (`OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, read by the
 * SDK's own env detector), and it pushes OTLP/HTTP protobuf to the collector with a real SDK.
 *
 * Run as a child process: `node --import tsx env-resource-pusher.ts URL ACCEPTED REJECTED [SECONDS]`.
 * Counts ACCEPTED accepted and REJECTED rejected (signature_mismatch) verifications, pushes, and
 * with SECONDS repeats that every 500 ms for that long (traffic for rate() and alerts); then exits.
 */
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { detectResources, envDetector } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { ATTR, INSTRUMENTS } from '@hmac-slo/instrumentation/contract';

const [url, accepted, rejected, seconds] = process.argv.slice(2);
const resource = detectResources({ detectors: [envDetector] });
const reader = new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `${url}/v1/metrics` }), exportIntervalMillis: 3_600_000 });
const provider = new MeterProvider({ resource, readers: [reader] });
const verifications = provider.getMeter('env-resource-pusher').createCounter(INSTRUMENTS.verifications.name, { unit: INSTRUMENTS.verifications.unit });

const until = Date.now() + Number(seconds ?? 0) * 1000;
do {
  verifications.add(Number(accepted), { [ATTR.scheme]: 'reference', [ATTR.outcome]: 'accepted' });
  verifications.add(Number(rejected), { [ATTR.scheme]: 'reference', [ATTR.outcome]: 'rejected', [ATTR.errorType]: 'signature_mismatch' });
  await reader.forceFlush();
  if (Date.now() < until) await new Promise((r) => setTimeout(r, 500));
} while (Date.now() < until);
await provider.shutdown();
