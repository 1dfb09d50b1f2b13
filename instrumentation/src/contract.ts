/**
 * The hmac-slo metric contract: every instrument, attribute and failure reason, written once.
 *
 * The collector, the rule generator, the dashboards and the docs (`docs/metrics.md`) read these
 * constants instead of retyping strings. Changing a value here is a breaking change for every
 * dashboard and alert a user has imported.
 */

/** Attribute keys (OpenTelemetry names; Prometheus replaces dots with underscores). */
export const ATTR = {
  scheme: 'hmac.scheme',
  keyId: 'hmac.key_id',
  outcome: 'hmac.outcome',
  errorType: 'error.type',
  replayResult: 'hmac.replay.result',
  kmsProvider: 'hmac.kms.provider',
  kmsOperation: 'hmac.kms.operation',
  keystoreName: 'hmac.keystore.name',
  keyStatus: 'hmac.key.status',
  /** The team owning a key (`hmac.key.info` only): configuration, bounded by KEY_OWNER_PATTERN. */
  keyOwner: 'hmac.key.owner',
  /** Span-only: never a metric attribute (unbounded, client-controlled). */
  clientId: 'hmac.client.id',
  /** Span-only: the error's class name. */
  errorClass: 'hmac.error.class',
  /** Why a verification failed (one of FAILURE_CAUSES), on failed `hmac.verify` spans. */
  failureCause: 'hmac.failure.cause',
  /** With cause `signed_with_other_key`: the ID of the key the signature does verify with (never the secret). */
  failureCauseKeyId: 'hmac.failure.cause_key_id',
  /** `hmac.auth.clients`: `active` (seen in the window) or `failing` (failed at least once in it). */
  clientState: 'hmac.client.state',
} as const;

/** A key owner (`hmac.key.owner`): a short team name, letters, digits, `.`, `_`, `-`, at most 64 characters. */
export const KEY_OWNER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Prometheus label for an attribute key: the exporters turn every non [a-zA-Z0-9_] into `_`. */
export function promLabel(attributeKey: string): string {
  return attributeKey.replace(/[^a-zA-Z0-9_]/g, '_');
}

/** `hmac.outcome`: the split SLOs depend on — the client's fault (`rejected`) versus ours (`error`). */
export const OUTCOMES = ['accepted', 'rejected', 'error'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/**
 * `error.type`: the closed failure-reason taxonomy. Each reason has exactly one outcome and names the
 * failure mode it reveals (docs/dashboards.md maps them to the HMAC auth guide's). Absent on accepted calls.
 */
export const FAILURE_REASONS = {
  missing_signature: { outcome: 'rejected', reveals: 'a proxy stripped the header, or an unsigned client' },
  malformed_signature: { outcome: 'rejected', reveals: 'encoding or header-format mismatch (a signing-library change or a proxy)' },
  unknown_key: { outcome: 'rejected', reveals: 'forged attempts, or a key not yet rolled out' },
  revoked_key: { outcome: 'rejected', reveals: 'a revoked (possibly leaked) key still presented' },
  timestamp_skew: { outcome: 'rejected', reveals: 'clock drift beyond the timestamp window' },
  replay: { outcome: 'rejected', reveals: 'a nonce or signature seen before (replay)' },
  digest_mismatch: { outcome: 'rejected', reveals: 'body hash differs — a proxy altered the body' },
  signature_mismatch: { outcome: 'rejected', reveals: 'canonicalization change, wrong or stale secret (rotation lag), or forgery' },
  kms_timeout: { outcome: 'error', reveals: 'KMS too slow to answer' },
  kms_throttled: { outcome: 'error', reveals: 'KMS or signing endpoint rate-limited' },
  kms_unavailable: { outcome: 'error', reveals: 'KMS outage' },
  kms_error: { outcome: 'error', reveals: 'other KMS failure' },
  internal_error: { outcome: 'error', reveals: 'a bug or an unrecognised error in the verifier' },
} as const satisfies Record<string, { outcome: Exclude<Outcome, 'accepted'>; reveals: string }>;
export type FailureReason = keyof typeof FAILURE_REASONS;
export const FAILURE_REASON_NAMES = Object.keys(FAILURE_REASONS) as FailureReason[];

export function isFailureReason(value: unknown): value is FailureReason {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(FAILURE_REASONS, value);
}

export function outcomeOf(reason: FailureReason): Exclude<Outcome, 'accepted'> {
  return FAILURE_REASONS[reason].outcome;
}

/**
 * `hmac.failure.cause`: why a failed verification failed, as the wrapper's diagnosis found it. A closed
 * set: the collector keeps only these values (anything else becomes `other`, counted). One line each
 * on what it means; docs/metrics.md and the status page say what to check.
 */
export const FAILURE_CAUSES = {
  body_not_raw: 'the verifier was handed a parsed object instead of the raw body bytes (the application\'s fault)',
  body_reserialized: 'the body verifies once JSON re-serialization (spacing, indentation, escaping) is undone',
  body_whitespace: 'the body verifies once a whitespace change (trailing newline, CRLF/LF) is undone',
  body_base64: 'the body verifies once base64-decoded (API Gateway/Lambda, Vercel, Netlify)',
  body_encoding: 'the body verifies once a wrong charset conversion (UTF-8 read as Latin-1) is undone',
  body_compressed: 'the body verifies once gunzipped',
  secret_format: 'the configured secret verifies once trimmed of whitespace/newlines/quotes or taken in its other encoding',
  signed_with_other_key: 'the signature verifies with another key the application holds (rotation lag or a config mix-up)',
  method_changed: 'the signer\'s digest of the HTTP method differs from the verifier\'s',
  path_changed: 'the signer\'s digest of the path differs from the verifier\'s',
  query_changed: 'the signer\'s digest of the query string differs from the verifier\'s',
  header_changed: 'the signer\'s digest of a signed header differs from the verifier\'s',
  timestamp_changed: 'the signer\'s digest of the timestamp differs from the verifier\'s',
  secret_differs: 'every canonical component matches: the two sides hold different secrets',
  undiagnosed: 'diagnosis ran and nothing explained the failure',
  skipped: 'not diagnosed: the diagnosis budget was spent',
} as const satisfies Record<string, string>;
export type FailureCause = keyof typeof FAILURE_CAUSES;
export const FAILURE_CAUSE_NAMES = Object.keys(FAILURE_CAUSES) as FailureCause[];

export function isFailureCause(value: unknown): value is FailureCause {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(FAILURE_CAUSES, value);
}

export const REPLAY_RESULTS = ['fresh', 'replayed'] as const;
export type ReplayResult = (typeof REPLAY_RESULTS)[number];

export const KEY_STATUSES = ['active', 'retiring', 'revoked'] as const;

export const CLIENT_STATES = ['active', 'failing'] as const;
export type ClientState = (typeof CLIENT_STATES)[number];
export type KeyStatus = (typeof KEY_STATUSES)[number];

/** Key ID values standing in for anything the application did not declare (cardinality bound). */
export const KEY_ID_UNKNOWN = 'unknown';
export const KEY_ID_OTHER = 'other';
export const DEFAULT_KEY_ID_CAP = 256;

/**
 * Latency buckets in seconds. They include every default SLO threshold (5 ms median
 * verification target, 30 ms p95 verification target, 100 ms KMS p95) so a latency SLI is an exact bucket read, never an estimate.
 */
export const DURATION_BUCKETS_SECONDS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;

/** Absolute clock-skew buckets in seconds; include the default 300 s window and 80 % of it. */
export const CLOCK_SKEW_BUCKETS_SECONDS = [
  0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 240, 300, 600, 1800, 3600,
] as const;

export type InstrumentKind = 'counter' | 'histogram' | 'observable_gauge';

export interface InstrumentSpec {
  /** OpenTelemetry instrument name. */
  readonly name: string;
  readonly kind: InstrumentKind;
  /** UCUM unit; annotations in braces are dropped by every Prometheus translation. */
  readonly unit: string;
  readonly description: string;
  /** Metric attributes (never span-only ones). */
  readonly attributes: readonly string[];
  /**
   * Prometheus metric family name on every road (see docs/metrics.md "Roads into Prometheus"): counters get
   * `_total`, seconds-valued instruments `_seconds`; histograms add `_bucket`, `_sum`, `_count`.
   */
  readonly prometheus: string;
  readonly buckets?: readonly number[];
  /**
   * Observable gauges only: how the values of several sources of one series combine — two sources in
   * one process (the hub), prom-client cluster workers, and the replicas of one job in hmac-slo's
   * collector. `sum`: each source counts its own things (its cache entries); `max`: each source
   * counts distinct things from one population that several sources see (the clients a replica saw:
   * behind a load balancer one client reaches many replicas, so adding would count it once per
   * replica; the largest source's count is exact for round-robin balancing, see docs/metrics.md
   * "Across replicas"); `last`: every source reports the same thing (the key ring), so adding would
   * multiply it.
   */
  readonly acrossSources?: AcrossSources;
}

/** See `InstrumentSpec.acrossSources`. */
export type AcrossSources = 'sum' | 'max' | 'last';

/** Keeps each entry's literal `kind`, so code can select instruments by kind at the type level; a gauge must say how its sources combine. */
function spec<K extends InstrumentKind>(
  s: InstrumentSpec & { readonly kind: K } & (K extends 'observable_gauge' ? { readonly acrossSources: AcrossSources } : unknown),
): InstrumentSpec & { readonly kind: K } {
  return Object.freeze(s);
}

export const INSTRUMENTS = {
  verifications: spec({
    name: 'hmac.auth.verifications',
    kind: 'counter',
    unit: '{verification}',
    description: 'HMAC verifications by outcome and failure reason.',
    attributes: [ATTR.scheme, ATTR.keyId, ATTR.outcome, ATTR.errorType],
    prometheus: 'hmac_auth_verifications_total',
  }),
  verificationDuration: spec({
    name: 'hmac.auth.verification.duration',
    kind: 'histogram',
    unit: 's',
    description: 'Time from calling the verifier to its decision.',
    attributes: [ATTR.scheme, ATTR.keyId, ATTR.outcome],
    prometheus: 'hmac_auth_verification_duration_seconds',
    buckets: DURATION_BUCKETS_SECONDS,
  }),
  failureCauses: spec({
    name: 'hmac.auth.failure.causes',
    kind: 'counter',
    unit: '{verification}',
    description: 'Failed verifications by diagnosed cause (why the signature did not match).',
    attributes: [ATTR.scheme, ATTR.keyId, ATTR.errorType, ATTR.failureCause],
    prometheus: 'hmac_auth_failure_causes_total',
  }),
  signings: spec({
    name: 'hmac.auth.signings',
    kind: 'counter',
    unit: '{signing}',
    description: 'HMAC signings by outcome and failure reason.',
    attributes: [ATTR.scheme, ATTR.keyId, ATTR.outcome, ATTR.errorType],
    prometheus: 'hmac_auth_signings_total',
  }),
  signingDuration: spec({
    name: 'hmac.auth.signing.duration',
    kind: 'histogram',
    unit: 's',
    description: 'Time to produce a signature.',
    attributes: [ATTR.scheme, ATTR.keyId, ATTR.outcome],
    prometheus: 'hmac_auth_signing_duration_seconds',
    buckets: DURATION_BUCKETS_SECONDS,
  }),
  clockSkew: spec({
    name: 'hmac.auth.clock_skew',
    kind: 'histogram',
    unit: 's',
    description: 'Absolute difference between the request timestamp and the verifier clock.',
    attributes: [ATTR.scheme],
    prometheus: 'hmac_auth_clock_skew_seconds',
    buckets: CLOCK_SKEW_BUCKETS_SECONDS,
  }),
  replayChecks: spec({
    name: 'hmac.replay.checks',
    kind: 'counter',
    unit: '{check}',
    description: 'Nonce/replay-cache checks: fresh or replayed.',
    attributes: [ATTR.scheme, ATTR.replayResult],
    prometheus: 'hmac_replay_checks_total',
  }),
  replayCacheSize: spec({
    name: 'hmac.replay.cache.size',
    kind: 'observable_gauge',
    unit: '{entry}',
    description: 'Entries currently held by the replay (nonce) cache.',
    attributes: [ATTR.scheme],
    prometheus: 'hmac_replay_cache_size',
    acrossSources: 'sum', // each replay cache holds its own entries
  }),
  kmsOperations: spec({
    name: 'hmac.kms.operations',
    kind: 'counter',
    unit: '{operation}',
    description: 'KMS calls by provider, operation, outcome and failure reason.',
    attributes: [ATTR.kmsProvider, ATTR.kmsOperation, ATTR.outcome, ATTR.errorType],
    prometheus: 'hmac_kms_operations_total',
  }),
  kmsOperationDuration: spec({
    name: 'hmac.kms.operation.duration',
    kind: 'histogram',
    unit: 's',
    description: 'KMS call latency.',
    attributes: [ATTR.kmsProvider, ATTR.kmsOperation, ATTR.outcome],
    prometheus: 'hmac_kms_operation_duration_seconds',
    buckets: DURATION_BUCKETS_SECONDS,
  }),
  keystoreReads: spec({
    name: 'hmac.keystore.reads',
    kind: 'counter',
    unit: '{read}',
    description: 'Secret reads from a key store (secrets-access audit).',
    attributes: [ATTR.keyId, ATTR.keystoreName, ATTR.outcome],
    prometheus: 'hmac_keystore_reads_total',
  }),
  keyInfo: spec({
    name: 'hmac.key.info',
    kind: 'observable_gauge',
    unit: '{key}',
    description: 'One per declared key, labeled with its status (active, retiring, revoked) and, when declared, its owning team.',
    attributes: [ATTR.keyId, ATTR.keyStatus, ATTR.keyOwner],
    prometheus: 'hmac_key_info',
    acrossSources: 'last', // every source declares the same key ring
  }),
  keyAge: spec({
    name: 'hmac.key.age',
    kind: 'observable_gauge',
    unit: 's',
    description: 'Seconds since the key was created.',
    attributes: [ATTR.keyId],
    prometheus: 'hmac_key_age_seconds',
    acrossSources: 'last', // every source declares the same key ring
  }),
  authClients: spec({
    name: 'hmac.auth.clients',
    kind: 'observable_gauge',
    unit: '{client}',
    description: 'Distinct clients (from the clientId option) seen in the sliding window, and how many of them failed.',
    attributes: [ATTR.scheme, ATTR.clientState],
    prometheus: 'hmac_auth_clients',
    acrossSources: 'max', // each process counts the clients it saw; round-robin shows one client to every replica
  }),
  keyClients: spec({
    name: 'hmac.key.clients',
    kind: 'observable_gauge',
    unit: '{client}',
    description: 'Distinct clients (from the clientId option) that verified successfully with the key in the sliding window.',
    attributes: [ATTR.keyId],
    prometheus: 'hmac_key_clients',
    acrossSources: 'max', // each process counts the clients it saw; round-robin shows one client to every replica
  }),
} as const satisfies Record<string, InstrumentSpec>;
export type InstrumentName = keyof typeof INSTRUMENTS;

/** Whether a gauge's sources add up (`acrossSources: 'sum'`); every other instrument: no. */
export function summedAcrossSources(spec: InstrumentSpec): boolean {
  return spec.kind === 'observable_gauge' && spec.acrossSources === 'sum';
}

/** Whether a gauge's sources combine by their largest value (`acrossSources: 'max'`); every other instrument: no. */
export function maxAcrossSources(spec: InstrumentSpec): boolean {
  return spec.kind === 'observable_gauge' && spec.acrossSources === 'max';
}

/** Look an instrument up by its OpenTelemetry name (the collector receives names, not keys). */
export const INSTRUMENTS_BY_OTEL_NAME: ReadonlyMap<string, InstrumentSpec> = new Map(
  Object.values(INSTRUMENTS).map((i) => [i.name, i]),
);

/**
 * `@opentelemetry/exporter-prometheus` (road 1) does not append unit suffixes, while the OTel
 * Collector's Prometheus exporter, Prometheus's OTLP receiver and hmac-slo's collector do. Passing
 * these plain view objects to the application's `MeterProvider({ views })` renames the
 * seconds-valued instruments for that exporter only, so road 1 yields the same `_seconds` names.
 */
export const PROMETHEUS_EXPORTER_VIEWS: ReadonlyArray<{ instrumentName: string; name: string }> =
  Object.values(INSTRUMENTS as Record<string, InstrumentSpec>)
    .filter((i) => i.unit === 's')
    .map((i) => ({ instrumentName: i.name, name: `${i.name}_seconds` }));

/** Span names. */
export const SPANS = {
  verify: 'hmac.verify',
  sign: 'hmac.sign',
  kms: (operation: string) => `hmac.kms.${operation}`,
  keystore: 'hmac.keystore.read',
  replay: 'hmac.replay.check',
} as const;

/** Fingerprints: first 12 hex characters of SHA-256, never the value itself. */
export const FINGERPRINT_HEX_LENGTH = 12;

/**
 * SLO series recorded by the generated Prometheus recording rules, their only producer (the collector
 * serves its own SLO engine through /api/slo and the status page, not as series). Named the
 * Prometheus way, `level:metric:operations`: `job_slo:` = one series per job and SLO, `slo:` = per SLO.
 * Labels: `job`, `slo`, and `window` where noted. Before 0.2 these were `hmac_slo_objective`,
 * `hmac_slo_error_ratio`, `hmac_slo_burn_rate` and `hmac_slo_error_budget_remaining` (docs/slo.md).
 */
export const SLO_SERIES = {
  objective: 'slo:hmac_slo_objective:ratio', // {slo}
  errorRatio: 'job_slo:hmac_slo_error:ratio', // {job, slo, window}
  burnRate: 'job_slo:hmac_slo_error_budget:burn_rate', // {job, slo, window}
  errorBudgetRemaining: 'job_slo:hmac_slo_error_budget:remaining', // {job, slo}, 1 = untouched, < 0 = overspent
} as const;

/**
 * The fixed SLO windows every SLO is evaluated over; the period and the burn-rate alert windows are
 * added from config by src/config/slo-plan.ts (the one resolved list both engine and rules read).
 */
export const SLO_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;
