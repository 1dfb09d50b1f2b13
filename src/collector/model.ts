/**
 * The shapes passed between the collector's parts: ingestion (decode → aggregate → store), the SLO
 * engine, the failure log and the Prometheus exposition. Kept here so each part can be written and
 * tested alone.
 */

/** One aggregated stream: summed across every pusher of a job, never per instance. */
export interface AggregatedSeries {
  /** `service.namespace/service.name` (or `service.name`) of the pushers. */
  readonly job: string;
  /** OpenTelemetry instrument name as pushed, e.g. `hmac.auth.verifications`. */
  readonly name: string;
  /** Prometheus family name, e.g. `hmac_auth_verifications_total` (see docs/metrics.md). */
  readonly promName: string;
  /** Data-point attributes, OpenTelemetry keys (`hmac.key_id`, `error.type`, ...). */
  readonly attributes: Readonly<Record<string, string>>;
  readonly kind: 'counter' | 'gauge' | 'histogram';
  /** Counter: running total. Gauge: last value. Histogram: total count. */
  readonly value: number;
  readonly histogram?: {
    /** Explicit upper bounds (the +Inf bucket is implicit: counts has bounds.length + 1 entries). */
    readonly bounds: readonly number[];
    /** Non-cumulative per-bucket counts, as in OTLP. */
    readonly counts: readonly number[];
    readonly sum: number;
    readonly count: number;
  };
}

/** Anything that can list the current aggregated series (the aggregator). */
export interface SeriesSource {
  series(): Iterable<AggregatedSeries>;
}

/** A failed `hmac.*` span, reduced to what is safe to keep and show: never secrets, never raw IDs. */
export interface FailedSpan {
  readonly timeUnixMs: number;
  readonly job: string;
  /** Span name, e.g. `hmac.verify`. */
  readonly name: string;
  readonly scheme?: string;
  readonly keyId: string;
  /** `error.type` (taxonomy reason); `internal_error` when the span carried none. */
  readonly reason: string;
  readonly outcome: string;
  /** First 12 hex of SHA-256 of the span's `hmac.client.id`, when it had one. */
  readonly clientFingerprint?: string;
  readonly traceId: string;
  readonly spanId: string;
}

/** One Prometheus sample; `suffix` is `_bucket`, `_sum`, `_count` or '' (the family name as is). */
export interface PromSample {
  readonly suffix?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface PromFamily {
  /** Family name; counters include `_total` here (the exposition writer handles OpenMetrics). */
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly help: string;
  readonly unit?: string;
  readonly samples: readonly PromSample[];
}
