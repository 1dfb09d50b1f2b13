/**
 * Demo-like traffic for the real-collector browser test, pushed the way a user's service pushes it:
 * the real OpenTelemetry SDK (MeterProvider, BasicTracerProvider) and the real OTLP/HTTP protobuf
 * exporters. Names and attributes come from the metric contract. Each job gets a known mix of
 * outcomes so the page has a red, an amber and a green card to show.
 */
import { SpanStatusCode } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR, DURATION_BUCKETS_SECONDS, INSTRUMENTS, SPANS } from '@hmac-slo/instrumentation/contract';


export interface JobTraffic {
  readonly job: string;
  readonly accepted: number;
  /** Rejections by reason, each with the client ID presenting them. */
  readonly rejected: readonly { reason: string; count: number; clientId: string; keyId: string }[];
  /** Verifier-side errors (outcome `error`). */
  readonly errors: readonly { reason: string; count: number; keyId: string }[];
  /** Declared keys and their status, reported through `hmac.key.info`. */
  readonly keys: readonly { keyId: string; status: 'active' | 'retiring' | 'revoked'; accepted: number; owner?: string }[];
}

/**
 * Default mix. auth-success (objective 99.9 %, budget 0.1 %): payments-api fails 5 % → burn 50 in
 * every window → red; webhooks fails 0.4 % → burn 4: over the 1d/2h ticket factor (3) but under
 * both page factors (14.4, 6) → amber; ledger fails nothing → green.
 */
export const DEFAULT_TRAFFIC: readonly JobTraffic[] = [
  {
    job: 'payments-api',
    accepted: 1900,
    rejected: [
      { reason: 'signature_mismatch', count: 70, clientId: 'partner-acme', keyId: 'k-2026-11' },
      { reason: 'timestamp_skew', count: 20, clientId: 'partner-globex', keyId: 'k-2026-11' },
      { reason: 'revoked_key', count: 10, clientId: 'partner-initech', keyId: 'k-2026-05' },
    ],
    errors: [],
    keys: [
      { keyId: 'k-2026-11', status: 'active', accepted: 1700, owner: 'payments-team' },
      { keyId: 'k-2026-08', status: 'retiring', accepted: 200 },
      { keyId: 'k-2026-05', status: 'revoked', accepted: 0 },
    ],
  },
  {
    job: 'webhooks',
    accepted: 2490,
    rejected: [{ reason: 'replay', count: 6, clientId: 'partner-acme', keyId: 'k-2026-11' }],
    errors: [{ reason: 'kms_timeout', count: 4, keyId: 'k-2026-11' }],
    keys: [{ keyId: 'k-2026-11', status: 'active', accepted: 2490 }],
  },
  {
    job: 'ledger',
    accepted: 800,
    rejected: [],
    errors: [],
    keys: [{ keyId: 'k-2026-11', status: 'active', accepted: 800 }],
  },
];

/** Push one job's traffic: metrics through the OTLP metric exporter, failed spans through the trace exporter. */
export async function pushJob(baseUrl: string, t: JobTraffic): Promise<void> {
  const resource = resourceFromAttributes({ 'service.name': t.job, 'service.instance.id': `${t.job}-1` });
  const meterProvider = new MeterProvider({
    resource,
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: `${baseUrl}/v1/metrics` }),
        exportIntervalMillis: 3_600_000, // exported by forceFlush below, not by the timer
      }),
    ],
  });
  const tracerProvider = new BasicTracerProvider({
    resource,
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${baseUrl}/v1/traces` }))],
  });
  try {
    const meter = meterProvider.getMeter('@hmac-slo/instrumentation');
    const verifications = meter.createCounter(INSTRUMENTS.verifications.name, { unit: INSTRUMENTS.verifications.unit });
    const duration = meter.createHistogram(INSTRUMENTS.verificationDuration.name, {
      unit: 's',
      advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_SECONDS] },
    });
    const keyInfo = meter.createObservableGauge(INSTRUMENTS.keyInfo.name, { unit: INSTRUMENTS.keyInfo.unit });
    keyInfo.addCallback((result) => {
      for (const k of t.keys) result.observe(1, { [ATTR.keyId]: k.keyId, [ATTR.keyStatus]: k.status, ...(k.owner ? { [ATTR.keyOwner]: k.owner } : {}) });
    });
    const scheme = 'reference';

    for (const k of t.keys) {
      if (k.accepted === 0) continue;
      const attrs = { [ATTR.scheme]: scheme, [ATTR.keyId]: k.keyId, [ATTR.outcome]: 'accepted' };
      verifications.add(k.accepted, attrs);
      for (let i = 0; i < k.accepted; i++) duration.record(0.002, attrs);
    }
    const tracer = tracerProvider.getTracer('@hmac-slo/instrumentation');
    const failed = [
      ...t.rejected.map((r) => ({ ...r, outcome: 'rejected' as const })),
      ...t.errors.map((e) => ({ ...e, outcome: 'error' as const, clientId: undefined })),
    ];
    for (const f of failed) {
      verifications.add(f.count, { [ATTR.scheme]: scheme, [ATTR.keyId]: f.keyId, [ATTR.outcome]: f.outcome, [ATTR.errorType]: f.reason });
      for (let i = 0; i < f.count; i++) duration.record(0.004, { [ATTR.scheme]: scheme, [ATTR.keyId]: f.keyId, [ATTR.outcome]: f.outcome });
      // A few spans per reason: enough for the failure list and the top clients, bounded for speed.
      for (let i = 0; i < Math.min(f.count, 3); i++) {
        const span = tracer.startSpan(SPANS.verify, {
          attributes: {
            [ATTR.scheme]: scheme,
            [ATTR.keyId]: f.keyId,
            [ATTR.outcome]: f.outcome,
            [ATTR.errorType]: f.reason,
            ...(f.clientId ? { [ATTR.clientId]: f.clientId } : {}),
          },
        });
        span.setStatus({ code: SpanStatusCode.ERROR, message: f.reason });
        span.end();
      }
    }
    await meterProvider.forceFlush();
    await tracerProvider.forceFlush();
  } finally {
    await meterProvider.shutdown();
    await tracerProvider.shutdown();
  }
}

export async function pushTraffic(baseUrl: string, traffic: readonly JobTraffic[] = DEFAULT_TRAFFIC): Promise<void> {
  for (const t of traffic) await pushJob(baseUrl, t);
}

/** One failed verification span of `job` that happened at `timeMs` (pushed now, as a late exporter would). */
export async function pushFailedSpanAt(baseUrl: string, job: string, f: { reason: string; keyId: string; timeMs: number }): Promise<void> {
  const tracerProvider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': job, 'service.instance.id': `${job}-late` }),
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${baseUrl}/v1/traces` }))],
  });
  try {
    const span = tracerProvider.getTracer('@hmac-slo/instrumentation').startSpan(SPANS.verify, {
      startTime: f.timeMs,
      attributes: { [ATTR.scheme]: 'reference', [ATTR.keyId]: f.keyId, [ATTR.outcome]: 'rejected', [ATTR.errorType]: f.reason },
    });
    span.setStatus({ code: SpanStatusCode.ERROR, message: f.reason });
    span.end(f.timeMs + 1);
    await tracerProvider.forceFlush();
  } finally {
    await tracerProvider.shutdown();
  }
}
