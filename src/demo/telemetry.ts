/**
 * One demo service's OpenTelemetry SDK, set up the way a user's service would set it up: its own
 * MeterProvider and TracerProvider with a resource naming the service (`service.name`,
 * `service.version`, `service.instance.id`, and for the canary `deployment.track=canary`, what
 * `OTEL_RESOURCE_ATTRIBUTES` would set), pushing OTLP/HTTP protobuf to a collector, which turns the
 * version and track into labels (`collector.resourceLabels`).
 *
 * Two demo-specific pieces sit between the SDK and the exporter:
 * - a tap that hands every exported batch to the totals book (what the service itself counted,
 *   for `--totals`);
 * - a span processor that forwards every failed `hmac.*` span and one successful span in
 *   `okSpanEvery`, so /api/failures fills while the OTLP traffic stays small.
 */
import { SpanStatusCode, type Context } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import {
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  type Span,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';

export interface ServiceIdentity {
  /** `service.name`: the collector's job. */
  readonly name: string;
  readonly version: string;
  readonly instanceId: string;
  /** Further resource attributes (the canary's `deployment.track`). */
  readonly resourceAttributes?: Readonly<Record<string, string>>;
}

export interface TelemetryOptions {
  /** Collector base URL; metrics go to URL/v1/metrics, spans to URL/v1/traces. */
  readonly pushUrl: string;
  readonly exportIntervalMs: number;
  /** Forward one successful span in this many (failed spans always go). */
  readonly okSpanEvery: number;
  /** Called with every batch right before it is exported (the SDK's cumulative view). */
  readonly onExport?: (identity: ServiceIdentity, metrics: ResourceMetrics) => void;
  /** Called when an export fails (collector down, refused). */
  readonly onExportError?: (identity: ServiceIdentity, error: Error | undefined) => void;
}

export interface ServiceTelemetry {
  readonly identity: ServiceIdentity;
  readonly meterProvider: MeterProvider;
  readonly tracerProvider: BasicTracerProvider;
  /** Final export of metrics and spans, then shutdown. */
  shutdown(): Promise<void>;
}

const FINAL_EXPORT_TIMEOUT_MS = 10_000;

type ExportCallback = Parameters<PushMetricExporter['export']>[1];

/** Passes batches through to the real exporter, showing them to the totals book first. */
class TappedExporter implements PushMetricExporter {
  constructor(
    private readonly inner: OTLPMetricExporter,
    private readonly identity: ServiceIdentity,
    private readonly options: TelemetryOptions,
  ) {}

  export(metrics: ResourceMetrics, resultCallback: ExportCallback): void {
    try {
      this.options.onExport?.(this.identity, metrics);
    } catch {
      // the tap is bookkeeping: it must never stop an export
    }
    this.inner.export(metrics, (result) => {
      if (result.code !== 0) this.options.onExportError?.(this.identity, result.error);
      resultCallback(result);
    });
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  selectAggregationTemporality = (type: Parameters<NonNullable<PushMetricExporter['selectAggregationTemporality']>>[0]) =>
    this.inner.selectAggregationTemporality(type);

  selectAggregation = (type: Parameters<NonNullable<PushMetricExporter['selectAggregation']>>[0]) => this.inner.selectAggregation(type);
}

/** Forwards failed spans and a sample of successful ones to the batch processor. */
class FailureFirstProcessor implements SpanProcessor {
  private okSeen = 0;
  constructor(
    private readonly inner: SpanProcessor,
    private readonly okEvery: number,
  ) {}
  onStart(_span: Span, _context: Context): void {}
  onEnd(span: ReadableSpan): void {
    if (span.status.code === SpanStatusCode.ERROR || ++this.okSeen % this.okEvery === 0) this.inner.onEnd(span);
  }
  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

export function createServiceTelemetry(identity: ServiceIdentity, options: TelemetryOptions): ServiceTelemetry {
  const resource = resourceFromAttributes({
    'service.name': identity.name,
    'service.version': identity.version,
    'service.instance.id': identity.instanceId,
    ...identity.resourceAttributes,
  });
  // Cumulative whatever OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE the shell has (the SDK
  // reads it; docs/collector.md has serverless users set delta): the totals tap keeps each batch as
  // the service's running totals, so a delta batch left --totals holding the last export's counts.
  const otlp = new OTLPMetricExporter({ url: `${options.pushUrl}/v1/metrics`, temporalityPreference: AggregationTemporality.CUMULATIVE });
  const metricExporter = new TappedExporter(otlp, identity, options);
  // The SDK applies its export timeout to every export, the final one included, and caps it at the
  // interval. At 250 ms intervals one slow answer from a busy collector would then drop the final
  // export, so the reader keeps a long timeout and its own slow timer, and this module triggers the
  // frequent exports itself (each one a full cumulative collection, as the reader's would be).
  const reader = new PeriodicExportingMetricReader({
    exporter: metricExporter,
    exportIntervalMillis: Math.max(options.exportIntervalMs, FINAL_EXPORT_TIMEOUT_MS),
    exportTimeoutMillis: FINAL_EXPORT_TIMEOUT_MS,
  });
  const meterProvider = new MeterProvider({ resource, readers: [reader] });
  const spanExporter = new OTLPTraceExporter({ url: `${options.pushUrl}/v1/traces` });
  const tracerProvider = new BasicTracerProvider({
    resource,
    sampler: new AlwaysOnSampler(),
    spanProcessors: [
      new FailureFirstProcessor(
        new BatchSpanProcessor(spanExporter, {
          scheduledDelayMillis: options.exportIntervalMs,
          maxQueueSize: 4096,
          maxExportBatchSize: 512,
        }),
        options.okSpanEvery,
      ),
    ],
  });
  let exporting = false;
  const exportNow = () => {
    if (exporting) return; // a slow collector: skip a beat rather than queue exports
    exporting = true;
    reader.forceFlush().then(
      () => (exporting = false),
      () => (exporting = false),
    );
  };
  const tick = setInterval(exportNow, options.exportIntervalMs);
  tick.unref();
  // A first export soon after start, so the collector (and the status line) sees every service at once.
  const first = setTimeout(exportNow, Math.min(1_000, options.exportIntervalMs));
  first.unref();
  let closing: Promise<void> | undefined;
  return {
    identity,
    meterProvider,
    tracerProvider,
    shutdown: () =>
      (closing ??= (async () => {
        clearInterval(tick);
        clearTimeout(first);
        // shutdown() runs one last collection and export of each (waiting for one in progress).
        await Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown()]);
      })()),
  };
}
