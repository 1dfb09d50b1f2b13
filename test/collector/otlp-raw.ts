/**
 * Hand-built OTLP metrics requests, for input no SDK would send (colliding keys, overflowing
 * values, bad histograms): written in the OTLP/JSON shape and pushed as JSON or, encoded with the
 * collector's own protobuf descriptor, as protobuf — the same request on both roads. Answers are
 * decoded into status, rejected points and message, whichever the encoding.
 */
import { MetricsRequest, MetricsResponse } from '../../src/collector/otlp/proto.js';

export type Encoding = 'json' | 'protobuf';
export type Attrs = Record<string, string>;

export const kvs = (attrs: Attrs) => Object.entries(attrs).map(([key, v]) => ({ key, value: { stringValue: v } }));

/** One point of a sum (`temporality` 1 delta, 2 cumulative) or a gauge (`monotonic` undefined). */
export function numberMetric(name: string, o: { value: number; attrs?: Attrs; unit?: string; description?: string; temporality?: number; monotonic?: boolean; start?: string }) {
  const point = { attributes: kvs(o.attrs ?? {}), startTimeUnixNano: o.start ?? '1', timeUnixNano: '2', asDouble: o.value };
  const data =
    o.monotonic === undefined
      ? { gauge: { dataPoints: [point] } }
      : { sum: { aggregationTemporality: o.temporality ?? 1, isMonotonic: o.monotonic, dataPoints: [point] } };
  return { name, unit: o.unit ?? '', description: o.description ?? '', ...data };
}

export function histogramMetric(name: string, o: { bounds: number[]; counts: number[]; count?: number; sum: number; attrs?: Attrs; unit?: string; temporality?: number; start?: string }) {
  const count = o.count ?? o.counts.reduce((a, b) => a + b, 0);
  return {
    name,
    unit: o.unit ?? '',
    histogram: {
      aggregationTemporality: o.temporality ?? 1,
      dataPoints: [
        {
          attributes: kvs(o.attrs ?? {}),
          startTimeUnixNano: o.start ?? '1',
          timeUnixNano: '2',
          count: String(count),
          sum: o.sum,
          bucketCounts: o.counts.map(String),
          explicitBounds: o.bounds,
        },
      ],
    },
  };
}

/** An ExportMetricsServiceRequest (OTLP/JSON shape) of one resource. */
export function metricsRequest(resource: Attrs, metrics: unknown[]) {
  return { resourceMetrics: [{ resource: { attributes: kvs(resource) }, scopeMetrics: [{ scope: { name: 'test' }, metrics }] }] };
}

export function encodeRequest(request: object, encoding: Encoding): Buffer {
  if (encoding === 'json') return Buffer.from(JSON.stringify(request));
  return Buffer.from(MetricsRequest.encode(MetricsRequest.fromObject(request)).finish());
}

export interface PushAnswer {
  status: number;
  rejected: number;
  message: string;
}

export async function pushMetrics(url: string, request: object, encoding: Encoding): Promise<PushAnswer> {
  const res = await fetch(`${url}/v1/metrics`, {
    method: 'POST',
    headers: { 'content-type': encoding === 'json' ? 'application/json' : 'application/x-protobuf' },
    body: new Uint8Array(encodeRequest(request, encoding)),
  });
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200) return { status: res.status, rejected: 0, message: body.toString('utf8') };
  if (encoding === 'json') {
    const j = JSON.parse(body.toString('utf8')) as { partialSuccess?: { rejectedDataPoints?: string; errorMessage?: string } };
    return { status: 200, rejected: Number(j.partialSuccess?.rejectedDataPoints ?? 0), message: j.partialSuccess?.errorMessage ?? '' };
  }
  const p = MetricsResponse.toObject(MetricsResponse.decode(body), { longs: Number }) as { partialSuccess?: { rejectedDataPoints?: number; errorMessage?: string } };
  return { status: 200, rejected: Number(p.partialSuccess?.rejectedDataPoints ?? 0), message: p.partialSuccess?.errorMessage ?? '' };
}
