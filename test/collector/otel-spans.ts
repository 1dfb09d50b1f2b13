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
  /** More span attributes, e.g. `hmac.failure.cause`. */
  attributes?: Record<string, string>;
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
          ...s.attributes,
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

/**
 * One raw OTLP/JSON trace push of failed `hmac.verify` spans with the given end times (nanoseconds as
 * decimal strings, as a pusher's clock gave them: anything, including far in the future, '0' or more
 * than a Date can hold — which the SDK would not send). Resolves with the HTTP status.
 */
export async function postFailedSpans(url: string, job: string, spans: readonly { endNs: string; reason: string; traceByte: number }[]): Promise<number> {
  const str = (key: string, v: string) => ({ key, value: { stringValue: v } });
  const res = await fetch(`${url}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [str('service.name', job)] },
          scopeSpans: [
            {
              spans: spans.map((s) => ({
                name: 'hmac.verify',
                traceId: s.traceByte.toString(16).padStart(2, '0').repeat(16),
                spanId: s.traceByte.toString(16).padStart(2, '0').repeat(8),
                startTimeUnixNano: s.endNs,
                endTimeUnixNano: s.endNs,
                attributes: [str(ATTR.keyId, 'k1'), str(ATTR.outcome, 'rejected'), str(ATTR.errorType, s.reason)],
                status: { code: 2 },
              })),
            },
          ],
        },
      ],
    }),
  });
  await res.arrayBuffer();
  return res.status;
}
