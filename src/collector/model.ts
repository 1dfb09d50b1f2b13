/**
 * The shapes passed between the collector's parts: ingestion (decode → aggregate → store), the SLO
 * engine, the failure log and the Prometheus exposition. Kept here so each part can be written and
 * tested alone.
 */
import type { SloScope } from '../config/schema.js';

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
  /** First FINGERPRINT_HEX_LENGTH hex digits of HMAC-SHA256(fingerprint key, the span's `hmac.client.id`), when it had one (fingerprint-key.ts). */
  readonly clientFingerprint?: string;
  readonly traceId: string;
  readonly spanId: string;
  /** `hmac.failure.cause` (one of the contract's FAILURE_CAUSES, or `other` for any other value), when the span carried one. */
  readonly cause?: string;
  /** With cause `signed_with_other_key`: the key ID the signature verifies with (`hmac.failure.cause_key_id`). */
  readonly causeKeyId?: string;
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

// ---- JSON APIs (shapes the status page and the tests rely on; documented in docs/collector.md) ----

export interface SloWindowStatus {
  /** `5m`, `30m`, `1h`, `2h`, `6h`, `1d`, `3d` and the period (e.g. `30d`), unscaled names. */
  readonly window: string;
  /** Bad / total events in the window; null when the window had no events: no data (never 0 or NaN). */
  readonly errorRatio: number | null;
  /** errorRatio / (1 − objective); null when errorRatio is. */
  readonly burnRate: number | null;
  readonly events: number;
  readonly badEvents: number;
}

export interface SloStatus {
  readonly job: string;
  readonly slo: string;
  readonly description: string;
  readonly objective: number;
  readonly period: string;
  /** What the SLO covers (`slos[].scope` in hmac-slo.yaml); absent when it covers every series. */
  readonly scope?: SloScope;
  /** 1 − errorRatio over the period; null when the period had no events (no data, never 100 %). */
  readonly sli: number | null;
  /** 1 − (bad events over the period / allowed bad events); 1 = untouched, < 0 = overspent; null when the period had no events. */
  readonly errorBudgetRemaining: number | null;
  readonly windows: readonly SloWindowStatus[];
}

/** `GET /api/slo` */
export interface SloApiResponse {
  readonly generatedAt: string;
  readonly slos: readonly SloStatus[];
  /** Configured SLOs with no job in `slos`: no series in their scope, so no data (not 100 %). */
  readonly noData?: readonly Pick<SloStatus, 'slo' | 'description' | 'objective' | 'period' | 'scope'>[];
  /** The multiwindow burn-rate alert thresholds from config, factors derived. */
  readonly burnAlerts: readonly { severity: string; long: string; short: string; factor: number }[];
  /** Config `timeScale`: every window and the period are divided by it (1 in production; the demo's speed). */
  readonly timeScale?: number;
  /** Config `collector.grafana`: the SLO dashboard's URL for the status page's links (absent when not configured). */
  readonly grafanaDashboardUrl?: string;
}

/** One step of `GET /api/slo/detail`; null where the collector holds no history for that time. */
export interface SloDetailPoint {
  /** End of the step (ms since the epoch). */
  readonly t: number;
  /** Events and bad events within the step. */
  readonly events: number | null;
  readonly badEvents: number | null;
  /** badEvents / events within the step; null also when the step had no events. */
  readonly errorRatio: number | null;
  /** Error budget remaining over the SLO period ending at `t` (the burn-down); null also when that period had no events. */
  readonly budgetRemaining: number | null;
  /** Burn rate over each of `windows` ending at `t`; null when that window had no events. */
  readonly burn: Readonly<Record<string, number | null>>;
}

/** `GET /api/slo/detail?job=&slo=&range=`: one SLO over a range, from the collector's stored history. */
export interface SloDetailResponse {
  readonly job: string;
  readonly slo: string;
  readonly description: string;
  readonly objective: number;
  readonly period: string;
  readonly timeScale: number;
  /** The range shown (unscaled name, e.g. `6h`) and the ranges on offer (`1h`, `6h`, `1d`, the period). */
  readonly range: string;
  readonly ranges: readonly string[];
  /** Real time covered (ms since the epoch) and the step between points (real ms). */
  readonly from: number;
  readonly to: number;
  readonly stepMs: number;
  /** Oldest stored history point of this SLO (null: none), so "no data before" can be said. */
  readonly historyFrom: number | null;
  readonly burnAlerts: SloApiResponse['burnAlerts'];
  /** Windows (unscaled names) whose burn rates each point carries: the burn-rate alerts' windows. */
  readonly windows: readonly string[];
  readonly points: readonly SloDetailPoint[];
  /**
   * The SLO's failed spans (its bad events that are failures) of the job within [from, to] (the
   * range), by failure reason and by key ID, from the failure log. `counted` false: a latency SLO,
   * whose bad events (slow verifications) are not failures. `heldFrom`: once the log (the newest
   * `collector.failures.ringSize` failures, shared fairly between jobs) has dropped older failures
   * of the job, the time from which it holds every failure of the job it received (its oldest held
   * failure dated after every dropped one) — failures before it may be missing; null while it holds
   * all of the job's it received.
   */
  readonly failures: {
    readonly counted: boolean;
    readonly from: number;
    readonly to: number;
    readonly heldFrom: number | null;
    readonly byReason: readonly { reason: string; count: number }[];
    readonly byKey: readonly { keyId: string; count: number }[];
    /** A scoped SLO's labels failed spans do not carry (resource labels): failures outside the scope on them are counted too. */
    readonly notNarrowedBy?: readonly string[];
  };
}

/** `GET /api/slo/history?job=&slo=`: bounded series of the short-window error ratio, oldest first. */
export interface SloHistoryResponse {
  readonly job: string;
  readonly slo: string;
  /** `errorRatio` null: no events in that 5m window (no data). */
  readonly points: readonly { t: number; errorRatio: number | null }[];
}

/** `GET /api/failures?job=&reason=&limit=` */
export interface FailuresApiResponse {
  /** `traceUrl`: the trace in the trace backend, when `collector.traceUrlTemplate` is set. */
  readonly failures: readonly (FailedSpan & { readonly traceUrl?: string })[];
  /** Per job, the causes of the held failures that carry one (the "Why signatures fail" summary). */
  readonly causes: readonly JobFailureCauses[];
  readonly topClients: readonly {
    readonly job: string;
    readonly clients: readonly { clientFingerprint: string; count: number; error: number }[];
  }[];
}

/** One job's failure causes over the failure log's window (the held failures matching the query's job and reason). */
export interface JobFailureCauses {
  readonly job: string;
  /** Held failures of the job that carry a cause. */
  readonly total: number;
  /** Most frequent first; `share` = count / total. */
  readonly causes: readonly { cause: string; count: number; share: number }[];
}

/** `GET /api/keys`: key rotation status (the key rotation status panel). */
export interface KeysApiResponse {
  /** The window `verifications`, `share` and `jobs` cover (unscaled, e.g. `1h`; added by the keys module). */
  readonly window?: string;
  readonly keys: readonly {
    readonly keyId: string;
    /** From `hmac.key.info`; `undeclared` when no service reported the key. */
    readonly status: 'active' | 'retiring' | 'revoked' | 'undeclared';
    /** Share of all verifications (any outcome) that named this key, 0..1. */
    readonly share: number;
    readonly verifications: number;
    readonly jobs: readonly string[];
    /** Time to revoke (keys/revocation.ts): first seen revoked, ISO 8601; only for revoked keys. */
    readonly revokedAt?: string;
    /** Last time the key was presented after that (absent: never since). */
    readonly lastPresentedAt?: string;
    /** Seconds from `revokedAt` to `lastPresentedAt` (0 when never presented since). */
    readonly presentedAfterRevokeSeconds?: number;
    /** Whether a verifier accepted it after `revokedAt` (one missed the revocation). */
    readonly acceptedAfterRevoke?: boolean;
    /** Last time a verification with the key was accepted (any key). */
    readonly lastAcceptedAt?: string;
    /** The owning team, from `hmac.key.owner` on the key's current `hmac.key.info`; absent when none was declared. */
    readonly owner?: string;
  }[];
}
