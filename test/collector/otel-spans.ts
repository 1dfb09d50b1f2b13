/**
 * Failed (and accepted) `hmac.verify` spans pushed to a collector with the real OpenTelemetry SDK and
 * OTLP/HTTP trace exporter (JSON or protobuf), one job per call; resolves once all were answered.
 */
import { SpanStatusCode } from '@opentelemetry/api';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR } from '@hmac-slo/instrumentation/contract';

export interface SpanSpec {
  client: string;
  outcome: 'accepted' | 'rejected' | 'error';
  reason?: string;
  keyId?: string;
  times: number;
}

export async function sendSpans(url: string, protocol: 'json' | 'protobuf', job: string, specs: SpanSpec[]): Promise<void> {
  const exporter = protocol === 'json' ? new JsonTraceExporter({ url: `${url}/v1/traces` }) : new ProtoTraceExporter({ url: `${url}/v1/traces` });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': job, 'service.instance.id': `${job}-1` }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('hmac-slo-collector-tests');
  for (const s of specs) {
    for (let i = 0; i < s.times; i++) {
      const span = tracer.startSpan('hmac.verify', {
        attributes: {
          [ATTR.keyId]: s.keyId ?? 'k1',
          [ATTR.outcome]: s.outcome,
          [ATTR.clientId]: s.client,
          ...(s.reason ? { [ATTR.errorType]: s.reason } : {}),
        },
      });
      if (s.outcome !== 'accepted') span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
    // SimpleSpanProcessor exports each span in its own request, concurrently: flush after each group
    // so the groups reach the collector in the order written (the failure ring is ordered by arrival,
    // and space-saving top-k is order sensitive).
    await provider.forceFlush();
  }
  await provider.shutdown();
}
