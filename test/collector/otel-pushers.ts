/**
 * Simulated pushers for the collector tests: each is a real OpenTelemetry SDK MeterProvider with a
 * real OTLP/HTTP exporter (JSON or protobuf), identified by its `service.instance.id`. `restart()`
 * replaces the provider with a fresh one of the same identity: a cumulative counter reset, exactly
 * what a restarted service pushes.
 */
import { OTLPMetricExporter as JsonExporter, AggregationTemporalityPreference } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { Attributes, Counter, Histogram } from '@opentelemetry/api';
import { DURATION_BUCKETS_SECONDS, INSTRUMENTS } from '@hmac-slo/instrumentation/contract';

export interface PusherOptions {
  readonly url: string;
  readonly protocol: 'json' | 'protobuf';
  readonly temporality: 'cumulative' | 'delta';
  readonly serviceName: string;
  readonly namespace?: string;
  readonly instance: string;
  readonly headers?: Record<string, string>;
}

/** The client gauges a pusher can report, as the instrumentation's client window does. */
export type ClientGauge = 'authClients' | 'keyClients';

export class Pusher {
  /**
   * What the pusher's observable gauges report on each export: set an entry before `flush()`. Kept
   * across `restart()`, like a window a restarted process would refill.
   */
  readonly observed = new Map<ClientGauge, Array<{ value: number; attributes: Attributes }>>();
  private provider!: MeterProvider;
  private reader!: PeriodicExportingMetricReader;
  verifications!: Counter;
  kms!: Counter;
  duration!: Histogram;

  constructor(private readonly opts: PusherOptions) {
    this.build();
  }

  private build(): void {
    const o = this.opts;
    const exporterOpts = {
      url: `${o.url}/v1/metrics`,
      headers: o.headers,
      temporalityPreference: o.temporality === 'delta' ? AggregationTemporalityPreference.DELTA : AggregationTemporalityPreference.CUMULATIVE,
    };
    const exporter = o.protocol === 'json' ? new JsonExporter(exporterOpts) : new ProtoExporter(exporterOpts);
    this.reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
    this.provider = new MeterProvider({
      resource: resourceFromAttributes({
        'service.name': o.serviceName,
        ...(o.namespace ? { 'service.namespace': o.namespace } : {}),
        'service.instance.id': o.instance,
      }),
      readers: [this.reader],
    });
    const meter = this.provider.getMeter('hmac-slo-test');
    this.verifications = meter.createCounter(INSTRUMENTS.verifications.name, { unit: INSTRUMENTS.verifications.unit });
    this.kms = meter.createCounter(INSTRUMENTS.kmsOperations.name, { unit: INSTRUMENTS.kmsOperations.unit });
    this.duration = meter.createHistogram(INSTRUMENTS.verificationDuration.name, {
      unit: 's',
      advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_SECONDS] },
    });
    for (const gauge of ['authClients', 'keyClients'] as const) {
      const spec = INSTRUMENTS[gauge];
      meter.createObservableGauge(spec.name, { unit: spec.unit, description: spec.description }).addCallback((result) => {
        for (const { value, attributes } of this.observed.get(gauge) ?? []) result.observe(value, attributes);
      });
    }
  }

  /** Push now (one export request). */
  async flush(): Promise<void> {
    await this.reader.forceFlush();
  }

  /** Process restart: same identity, counters from zero, new start time. */
  async restart(): Promise<void> {
    await this.provider.shutdown();
    await new Promise((r) => setTimeout(r, 5)); // a distinct start timestamp
    this.build();
  }

  async shutdown(): Promise<void> {
    await this.provider.shutdown();
  }
}
