/**
 * Links from the failure log to the trace backend (`collector.traceUrlTemplate`, e.g. Jaeger's
 * `http://localhost:16686/trace/{traceId}`): `{traceId}` and `{spanId}` are replaced by the span's
 * IDs, URL-encoded (they are hex already: the log keeps nothing else). No template, or a failure
 * without a trace ID, gives no link.
 */
import type { FailedSpan, FailuresApiResponse } from '../model.js';

/** The template's placeholders. */
export const TRACE_ID_PLACEHOLDER = '{traceId}';
export const SPAN_ID_PLACEHOLDER = '{spanId}';

/** The trace's URL, or undefined without a template or a trace ID. */
export function traceUrl(template: string, span: Pick<FailedSpan, 'traceId' | 'spanId'>): string | undefined {
  if (!template || !span.traceId) return undefined;
  return template.replaceAll(TRACE_ID_PLACEHOLDER, encodeURIComponent(span.traceId)).replaceAll(SPAN_ID_PLACEHOLDER, encodeURIComponent(span.spanId));
}

/** The answer with each failure's `traceUrl` added (unchanged without a template). */
export function withTraceUrls(response: FailuresApiResponse, template: string): FailuresApiResponse {
  if (!template) return response;
  return {
    ...response,
    failures: response.failures.map((f) => {
      const url = traceUrl(template, f);
      return url ? { ...f, traceUrl: url } : f;
    }),
  };
}
