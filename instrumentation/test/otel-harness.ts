/**
 * Test harness: a real SDK MeterProvider (manual reader) and BasicTracerProvider (in-memory exporter),
 * passed to the wrappers explicitly so tests never touch global state.
 */
import type { Attributes } from '@opentelemetry/api';
import {
  AggregationTemporality,
  DataPointType,
  MeterProvider,
  MetricReader,
  type ViewOptions,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics';
import {
  AlwaysOnSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type Sampler,
} from '@opentelemetry/sdk-trace-base';

export class ManualReader extends MetricReader {
  constructor(options: { temporality?: AggregationTemporality; metricProducers?: MetricProducer[] } = {}) {
    const temporality = options.temporality ?? AggregationTemporality.CUMULATIVE;
    super({ aggregationTemporalitySelector: () => temporality, metricProducers: options.metricProducers });
  }
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

export interface Point {
  name: string;
  unit: string;
  kind: 'sum' | 'gauge' | 'histogram' | 'other';
  attributes: Attributes;
  /** Sum/gauge value, or the histogram's count. */
  value: number;
  sum?: number;
  buckets?: { boundaries: number[]; counts: number[] };
}

export function harness(options: { views?: ViewOptions[]; sampler?: Sampler; temporality?: AggregationTemporality; metricProducers?: MetricProducer[] } = {}) {
  const reader = new ManualReader({ temporality: options.temporality, metricProducers: options.metricProducers });
  const meterProvider = new MeterProvider({ readers: [reader], views: options.views ?? [] });
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    sampler: options.sampler ?? new AlwaysOnSampler(),
    spanProcessors: [new SimpleSpanProcessor(spanExporter)],
  });

  async function collect(): Promise<Point[]> {
    const { resourceMetrics, errors } = await reader.collect();
    if (errors.length > 0) throw new AggregateError(errors, 'metric collection failed');
    const points: Point[] = [];
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        for (const dp of metric.dataPoints as Array<{ attributes: Attributes; value: unknown }>) {
          const base = { name: metric.descriptor.name, unit: metric.descriptor.unit, attributes: dp.attributes };
          if (metric.dataPointType === DataPointType.HISTOGRAM) {
            const h = dp.value as { count: number; sum?: number; buckets: { boundaries: number[]; counts: number[] } };
            points.push({ ...base, kind: 'histogram', value: h.count, sum: h.sum, buckets: h.buckets });
          } else if (metric.dataPointType === DataPointType.SUM) {
            points.push({ ...base, kind: 'sum', value: dp.value as number });
          } else if (metric.dataPointType === DataPointType.GAUGE) {
            points.push({ ...base, kind: 'gauge', value: dp.value as number });
          } else {
            points.push({ ...base, kind: 'other', value: NaN });
          }
        }
      }
    }
    return points;
  }

  /** Points of one instrument whose attributes include every given pair. */
  async function find(name: string, match: Attributes = {}): Promise<Point[]> {
    return (await collect()).filter(
      (p) => p.name === name && Object.entries(match).every(([k, v]) => p.attributes[k] === v),
    );
  }

  function spans(): ReadableSpan[] {
    return spanExporter.getFinishedSpans();
  }

  async function shutdown(): Promise<void> {
    await meterProvider.shutdown();
    await tracerProvider.shutdown();
  }

  return { reader, meterProvider, tracerProvider, spanExporter, collect, find, spans, shutdown, providers: { meterProvider, tracerProvider } };
}
