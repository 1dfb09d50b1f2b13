/**
 * The schema of `hmac-slo.yaml`: the one configuration file read by the collector, the rule
 * generator and the dashboards. Every field has a default, so an empty file is a valid config.
 * Documented field by field in docs/configuration.md. Each field's one-line description is data
 * (`.describe()`), so `npm run generate` renders it as the field's comment in config.libsonnet
 * (src/generate/config-libsonnet.ts); every field outside a list must have one.
 */
import { isListenAddress } from './listen.js';
import { z } from 'zod';
import { ATTR, FAILURE_REASON_NAMES, OUTCOMES, promLabel } from '@hmac-slo/instrumentation/contract';
import { durationSeconds, isDuration } from './duration.js';
import { TRACE_ID_PLACEHOLDER, traceUrl } from '../collector/failures/trace-url.js';

const duration = z.string().refine(isDuration, { message: 'expected a duration such as 30s, 5m, 1h or 30d' });
/** A duration Node sets as a timer: at most 2^31-1 ms (longer ones fire after 1 ms, with a warning). */
const timerDuration = duration.refine((d) => !isDuration(d) || durationSeconds(d) * 1000 <= 2 ** 31 - 1, {
  message: 'at most 24d (2147483647 ms, the longest timeout Node can set)',
});
const ratio = z.number().gt(0).lt(1);
const slug = z.string().regex(/^[a-z][a-z0-9-]*$/, 'lower-case letters, digits and dashes, starting with a letter');

/** Which counter an SLI reads; the collector and the rules both resolve these through the contract. */
export const RATIO_SOURCES = ['verifications', 'kmsOperations', 'signings'] as const;
export const LATENCY_SOURCES = ['verificationDuration', 'kmsOperationDuration', 'signingDuration'] as const;

const ratioSli = z.strictObject({
  kind: z.literal('ratio'),
  source: z.enum(RATIO_SOURCES).describe('Instrument (key of INSTRUMENTS) whose events are counted.'),
  badOutcomes: z.array(z.enum(OUTCOMES.filter((o) => o !== 'accepted') as ['rejected', 'error'])).min(1).describe('`hmac.outcome` values that count as bad events.'),
  badReasons: z.array(z.enum(FAILURE_REASON_NAMES as [string, ...string[]])).optional().describe('Optional: only these `error.type` values count as bad (all of `badOutcomes` when absent).'),
});

const latencySli = z.strictObject({
  kind: z.literal('latency'),
  source: z.enum(LATENCY_SOURCES),
  thresholdSeconds: z.number().positive().describe('Seconds; must be one of the contract\'s histogram bucket bounds so the SLI is exact.'),
});

/**
 * What an SLO covers: Prometheus label name (`job`, `hmac_scheme`, a resource label such as
 * `deployment_environment_name`) → the values it keeps (`[a, b]`) or the values it leaves out
 * (`{ notIn: [a] }`). Exact values, never regexes; the label names are checked by the loader.
 */
const scopeMatcher = z.union([z.array(z.string()).min(1), z.strictObject({ notIn: z.array(z.string()).min(1) })]);
export const sloScopeSchema = z.record(z.string(), scopeMatcher);

export const sloSchema = z.strictObject({
  name: slug,
  description: z.string().default(''),
  sli: z.discriminatedUnion('kind', [ratioSli, latencySli]),
  objective: ratio.describe('Target fraction of good events, e.g. 0.999.'),
  scope: sloScopeSchema.optional().describe('Optional: label → values the SLO covers (`[a, b]`) or leaves out (`{ notIn: [a] }`); absent = every series.'),
});

/**
 * Multiwindow multi-burn-rate alert (SRE workbook ch. 5): fire when `budgetConsumed` of the whole
 * period's budget would be spent within `long`, confirmed over `short`. The burn factor is derived:
 * budgetConsumed × period / long (2 % over 1h of 30d → 14.4).
 */
const burnAlert = z.strictObject({
  severity: z.enum(['critical', 'warning', 'info']),
  long: duration,
  short: duration,
  budgetConsumed: ratio,
});

const failureModes = z.strictObject({
  mismatchRatio: z.number().positive().default(0.01).describe('Signature mismatch: signature_mismatch / all verifications over `window`, per job.'),
  mismatchManyJobs: z.number().int().positive().default(2).describe('Signature mismatch: page (instead of ticket) when at least this many jobs exceed `mismatchRatio` at once.'),
  timestampWindow: duration.default('5m').describe('Clock skew: the verifiers\' timestamp window (skew beyond it is rejected).'),
  clockSkewWarnFraction: ratio.default(0.8).describe('Clock skew: the fraction of `timestampWindow` at which skew warns.'),
  replayRate: z.number().min(0).default(0).describe('Replays: replays per second above which the replay alert fires (0 = any replay).'),
  forgedAttemptsRate: z.number().positive().default(1).describe('Forged attempts: unknown_key + signature_mismatch rejections per second that count as a forged-attempt flood.'),
  retiringKeyTrafficShare: ratio.default(0.01).describe('Key rotation: a retiring key still carrying more than this share of traffic for `rotationWindow` stalls the rotation.'),
  rotationWindow: duration.default('1d').describe('Key rotation: how long a retiring key may keep `retiringKeyTrafficShare` (the rotation policy window).'),
  maxKeyAge: duration.default('90d').describe('Keys older than this should have been rotated.'),
  kmsErrorRatio: ratio.default(0.001).describe('KMS: error ratio above which the KMS alert fires.'),
  kmsLatencyP95Seconds: z.number().positive().default(0.1).describe('KMS: p95 latency threshold, in seconds.'),
  verificationLatencyP95Seconds: z.number().positive().default(0.03).describe('Verification latency: p95 threshold.'),
  canaryFactor: z.number().gt(1).default(2).describe('Canary: failure ratio this many times the stable one.'),
  canaryLabel: z.string().default('deployment_track').describe('Canary: label (on the job\'s series) that marks a canary deployment.'),
  canaryValue: z.string().default('canary').describe('Canary: the value of `canaryLabel` on canary series.'),
  digestMismatchRate: z.number().min(0).default(0).describe('Digest mismatch: digest mismatches per second.'),
  absentFor: duration.default('15m').describe('Telemetry absent for a job that was reporting, for this long.'),
  trafficStoppedMinRate: z.number().positive().default(0.1).describe('Traffic stopped: only jobs whose usual rate (verifications per second over `trafficStoppedLookback`, before `window`) was at least this; not scaled by timeScale.'),
  trafficStoppedRatio: ratio.default(0.1).describe('Traffic stopped: fire when the rate over `window` falls below this fraction of the usual rate.'),
  trafficStoppedLookback: duration.default('1h').describe('Traffic stopped: the stretch before `window` whose rate is the job\'s usual rate.'),
  for: duration.default('5m').describe('How long a failure-mode condition must hold before its alert fires.'),
  window: duration.default('5m').describe('Rate window for failure-mode alerts.'),
  keyClientsFactor: z.number().gt(1).default(2).describe('Leaked key: fire when a key\'s successful clients exceed this many times its own recent maximum.'),
  keyClientsFloor: z.number().int().positive().default(3).describe('Leaked key: never fire below this many clients on the key.'),
  keyClientsHistory: duration.default('8d').describe('Leaked key: how far back the key\'s own maximum is taken (its usual number of clients); at least a week, so a key idle over the weekend is compared with last week\'s weekdays.'),
  keyClientsRecent: duration.default('1h').describe('Leaked key: the latest stretch left out of that history, so a surge is not compared with itself.'),
});

/**
 * Page or ticket by blast radius (the HMAC auth guide: page on system-wide drops, ticket for one
 * client). Applies to the page-severity burn-rate alerts of the listed SLOs in jobs reporting
 * `hmac_auth_clients` (verifiers wrapped with `clientId`); other jobs page as before.
 */
const blastRadius = z.strictObject({
  slos: z.array(slug).default(['auth-success']).describe('SLOs whose page-severity burn alerts page only when failures are spread; a narrow burn becomes a ticket.'),
  minFailingClients: z.number().int().positive().default(5).describe('Spread: at least this many failing clients in the job (hmac_auth_clients: per scheme the largest replica\'s count, on every road; docs/metrics.md "Across replicas").'),
  minFailingShare: ratio.default(0.1).describe('Spread: or at least this share of the job\'s active clients failing.'),
  minBurningJobs: z.number().int().min(2).default(2).describe('Spread: or at least this many jobs burning the same SLO at once.'),
});

/**
 * A label a resource attribute becomes: a valid Prometheus name that is not the collector's (`job`,
 * `le`), the scraper's (`instance`), Prometheus' own (`__…`) or the metric contract's (`error_type`, …:
 * the rules read those from the data points only).
 */
const CONTRACT_LABELS: ReadonlySet<string> = new Set(Object.values(ATTR).map(promLabel));
const resourceLabelName = z
  .string()
  .regex(/^[a-zA-Z_][a-zA-Z0-9_]{0,99}$/, 'a Prometheus label name (letters, digits, _; at most 100 characters)')
  .refine((n) => !n.startsWith('__') && !['job', 'le', 'instance'].includes(n), { message: 'job, le, instance and names starting with __ are taken' })
  .refine((n) => !CONTRACT_LABELS.has(n), { message: 'a label of the metric contract (hmac_outcome, error_type, …) comes from the data points only' });

/** Resource labels on by default: environment, version, canary track (`alerting.failureModes.canaryLabel`'s default). */
export const DEFAULT_RESOURCE_LABELS = [
  { attribute: 'deployment.environment.name', label: 'deployment_environment_name' },
  { attribute: 'service.version', label: 'service_version' },
  { attribute: 'deployment.track', label: 'deployment_track' },
];

function uniqueLabels(list: readonly { attribute: string; label: string }[], ctx: z.RefinementCtx): void {
  for (const what of ['attribute', 'label'] as const) {
    const seen = new Set<string>();
    for (const e of list) {
      if (seen.has(e[what])) ctx.addIssue({ code: 'custom', message: `${what} ${e[what]} appears twice` });
      seen.add(e[what]);
    }
  }
}

/** Jobs (`service.namespace/service.name`, as the collector names them) a push credential may write; absent = any. */
const pushJobs = z.array(z.string().min(1)).min(1).optional();

/** Whether a trace URL template, filled with IDs as the collector fills it, is a URL: the page links only those, so any other would drop every link silently. */
function fillsToUrl(template: string): boolean {
  const filled = traceUrl(template, { traceId: '0'.repeat(32), spanId: '0'.repeat(16) });
  return filled !== undefined && URL.canParse(filled);
}

/** A Grafana base URL the page can append `/d/<uid>?var-job=` to: http(s) only (never `javascript:`), no query or fragment. */
function isGrafanaBaseUrl(url: string): boolean {
  if (url === '') return true;
  if (!/^https?:\/\/[^\s?#]+$/.test(url) || !URL.canParse(url)) return false;
  return new URL(url).host !== '';
}

const collectorSchema = z.strictObject({
  listen: z.string().refine(isListenAddress, { message: 'expected HOST:PORT, e.g. 127.0.0.1:9464' }).default('127.0.0.1:9464').describe('Listen address, HOST:PORT (`--listen` overrides it); loopback by default.'),
  stateDir: z.string().default('.hmac-slo-state').describe('Snapshot and push log directory (`--state-dir` overrides it).'),
  pusherTtl: duration.default('15m').describe('Forget a pusher\'s stream identity after this long without a push (its counts stay).'),
  seriesTtl: duration.default('1h').describe('Drop a job\'s aggregated series once none got a point for this long (frees series and job slots).'),
  samplePeriod: duration.default('10s').describe('How often the collector samples its aggregates into the SLO engine and key usage (divided by timeScale, at least 200 ms).'),
  snapshotPeriod: duration.default('1m').describe('How often the collector writes a snapshot of its state and truncates the push log (divided by timeScale, at least 2 s).'),
  snapshotLogBytes: z.number().int().positive().default(64 * 1024 * 1024).describe('A snapshot is also written as soon as the push log grows past this many bytes (bounds replay time at start).'),
  keys: z
    .strictObject({
      usageWindow: duration.default('1h').describe('Window over which `/api/keys` computes each key\'s share of verifications and the jobs using it (divided by timeScale).'),
      maxEntries: z.number().int().positive().default(10_000).describe('(job, key ID) pairs key usage tracks; further pairs are counted as untracked, not stored.'),
    })
    .prefault({})
    .describe('Key usage (`/api/keys`): the window of traffic shares and the pairs it tracks.'),
  resourceLabels: z
    .strictObject({
      attributes: z
        .array(z.strictObject({ attribute: z.string().min(1).max(255), label: resourceLabelName }))
        .default(DEFAULT_RESOURCE_LABELS)
        .superRefine(uniqueLabels)
        .describe('Resource attribute → label of every series the pusher sends (allowlist; an absent or empty attribute adds no label).'),
      maxValuesPerLabel: z.number().int().positive().default(50).describe('Distinct values one resource label may take across one job\'s pushers held (per job: one job\'s values never crowd out another\'s); a pusher bringing a further value gets `__overflow__` instead (counted).'),
    })
    .prefault({})
    .describe('Resource attributes copied onto the pushed series as labels (environment, version, canary track), bounded per label.'),
  limits: z
    .strictObject({
      maxBodyBytes: z.number().int().positive().default(4 * 1024 * 1024).describe('Largest request body, as sent and after gunzip; a larger body gets 413.'),
      maxSeries: z.number().int().positive().default(50_000).describe('Aggregated series across all jobs; points beyond are rejected and counted.'),
      maxSeriesPerJob: z.number().int().positive().default(10_000).describe('Aggregated series per job, so one job cannot use up maxSeries.'),
      maxJsonDepth: z.number().int().positive().default(64).describe('Deepest JSON nesting accepted (OTLP/JSON needs about 12).'),
      maxLabelValueBytes: z.number().int().positive().default(1024).describe('Longest metric name, attribute key or value, or job, in UTF-8 bytes; longer points are refused.'),
      maxAttributesPerPoint: z.number().int().positive().default(32).describe('Most attributes (labels) on one data point; points with more are refused.'),
      maxJobs: z.number().int().positive().default(2_000).describe('Distinct jobs holding series; points of further jobs are refused until idle jobs expire.'),
      reservedSeriesPerJob: z.number().int().min(0).default(10).describe('Series every job may hold even when the shared part of maxSeries is full (fair share).'),
      maxReadings: z.number().int().positive().default(1_000_000).describe('Per-pusher last cumulative readings (and last values of gauges combined across pushers: client counts, replay cache sizes) held in total (~830 bytes each in memory).'),
      maxReadingsPerJob: z.number().int().positive().default(100_000).describe('Readings the pushers of one job may hold (fair share: one job cannot take them all).'),
      reservedReadingsPerJob: z.number().int().min(0).default(100).describe('Readings each job may hold even when the shared part of maxReadings is full.'),
      maxPushers: z.number().int().positive().default(100_000).describe('Distinct pushers (resource identities) held at once; new ones beyond are refused until idle ones are forgotten.'),
      maxPushersPerJob: z.number().int().positive().default(10_000).describe('Distinct pushers one job may hold (fair share).'),
      reservedPushersPerJob: z.number().int().min(0).default(10).describe('Pushers each job may hold even when the shared part of maxPushers is full.'),
      maxPointsPerRequest: z.number().int().positive().default(100_000).describe('Data points in one export request (all metrics); a larger request gets 413.'),
      maxResourcesPerRequest: z.number().int().positive().default(1_000).describe('Resources (pushers) in one export request; a larger request gets 413.'),
    })
    .superRefine((l, ctx) => {
      // The reserve is carved out of maxSeries: some of it must stay shared.
      const reserve = l.maxJobs * l.reservedSeriesPerJob;
      if (reserve >= l.maxSeries) {
        ctx.addIssue({ code: 'custom', message: `maxJobs × reservedSeriesPerJob (${l.maxJobs} × ${l.reservedSeriesPerJob} = ${reserve}) must be below maxSeries (${l.maxSeries}): lower them or raise maxSeries` });
      }
      for (const [what, reserved, max] of [['Readings', l.reservedReadingsPerJob, l.maxReadings], ['Pushers', l.reservedPushersPerJob, l.maxPushers]] as const) {
        if (l.maxJobs * reserved >= max) {
          ctx.addIssue({ code: 'custom', message: `maxJobs × reserved${what}PerJob (${l.maxJobs} × ${reserved}) must be below max${what} (${max})` });
        }
      }
    })
    .prefault({})
    .describe('Caps and bad-input limits of the push path (413/429/partial success, counted by reason).'),
  server: z
    .strictObject({
      maxConnections: z.number().int().positive().default(512).describe('Open connections at once; further ones are closed as soon as they are accepted.'),
      maxConnectionsPerClient: z.number().int().positive().default(64).describe('Open connections at once from one client address (loopback included); further ones are closed at once.'),
      headersTimeout: timerDuration.default('10s').describe('Time a client has to send the request headers (slowloris).'),
      requestTimeout: timerDuration.default('30s').describe('Time a client has to send the whole request, body included.'),
      keepAliveTimeout: timerDuration.default('5s').describe('An idle keep-alive connection is closed after this long without a new request.'),
      idleTimeout: timerDuration.default('30s').describe('A connection on which nothing moves for this long is closed, mid-request or not.'),
    })
    .prefault({})
    .describe('HTTP connection caps and timeouts (slow clients).'),
  slo: z
    .strictObject({
      maxPairs: z.number().int().positive().default(2000).describe('(job, SLO) pairs the collector\'s SLO engine tracks at once.'),
      pairTtl: duration.optional().describe('Drop a pair whose job has had no events for this long (default: the SLO period).'),
      historyPoints: z.number().int().positive().default(360).describe('Points of the error-ratio history (`/api/slo/history`, one per minute divided by timeScale) kept per pair.'),
      pairEvictAfter: duration.default('1h').describe('At maxPairs, a new pair with events replaces the pair idle longest, if idle for this long.'),
    })
    .prefault({})
    .describe('The collector\'s SLO engine (`/api/slo`): the (job, SLO) pairs it tracks.'),
  failures: z
    .strictObject({
      ringSize: z.number().int().positive().default(500).describe('Recent failed hmac.* spans kept in memory.'),
      topClients: z.number().int().positive().default(20).describe('Top-k rejected clients per job (space-saving).'),
      maxJobs: z.number().int().positive().default(1000).describe('Jobs whose top rejected clients are tracked; rejections of further jobs are counted as untracked.'),
      maxSpanFuture: duration.default('1h').describe('A failed span dated more than this after it was received (or before 2000) gets the receive time.'),
    })
    .prefault({})
    .describe('The failure log (`/api/failures`): recent failed spans and top rejected clients.'),
  auth: z
    .strictObject({
      bearerTokenEnv: z.array(z.union([z.string(), z.strictObject({ env: z.string().min(1), jobs: pushJobs })])).default([]).describe('Accepted bearer tokens, each read from an environment variable (never written in the file); `{ env, jobs }` binds one to jobs.'),
      hmacKeys: z.array(z.strictObject({ id: z.string().min(1), secretEnv: z.string().min(1), jobs: pushJobs })).default([]).describe('HMAC-signed pushes: key ID → environment variable holding the secret, optionally bound to `jobs`.'),
      maxNoncesPerKey: z.number().int().positive().default(100_000).describe('Used nonces remembered per HMAC key (10 min each); a key at the bound gets 429 until some expire.'),
    })
    .prefault({})
    .describe('Push credentials (bearer tokens, HMAC-signed pushes) and the nonce bound.'),
  ui: z.boolean().default(true).describe('Serve the status page at `/` (`--no-ui` turns it off).'),
  grafana: z
    .strictObject({
      url: z
        .string()
        .refine(isGrafanaBaseUrl, { message: "'' or an http(s) base URL without query or fragment, e.g. https://grafana.example.com" })
        .default('')
        .describe('Base URL of the Grafana holding the generated dashboards, e.g. `https://grafana.example.com` (\'\' = the status page shows no Grafana links).'),
      dashboardUid: z.string().min(1).default('hmac-slo-executive').describe('Uid of the dashboard each SLO card links to (the mixin\'s `<uidPrefix>-executive`); the card\'s job is passed as `var-job`.'),
    })
    .prefault({})
    .describe('Links from the status page\'s SLO cards to the matching Grafana dashboard.'),
  traceUrlTemplate: z
    .string()
    .refine((t) => t === '' || (/^https?:\/\/[^\s]+$/.test(t) && t.includes(TRACE_ID_PLACEHOLDER) && fillsToUrl(t)), { message: "'' or an http(s) URL containing {traceId}, e.g. http://localhost:16686/trace/{traceId}" })
    .default('')
    .describe('Link each failure\'s trace ID to the trace backend: `{traceId}` (and `{spanId}`) are replaced in this URL (\'\' = no link); Jaeger: `http://localhost:16686/trace/{traceId}`.'),
  webConfigFile: z.string().default('').describe('TLS and read authentication: an exporter-toolkit style web config file (\'\' = plain HTTP, reads open); `--web.config.file` overrides.'),
  fingerprintKeyEnv: z.string().default('').describe('Environment variable holding the key of client fingerprints (HMAC-SHA256); \'\' = a random key kept in the state dir.'),
});

export const configSchema = z.strictObject({
  period: duration.default('30d').describe('The SLO period (error budget window).'),
  selector: z.string().default('').describe('Extra PromQL label matchers added to every selector, e.g. `namespace="payments"`.'),
  slos: z.array(sloSchema).min(1).prefault(() => DEFAULT_SLOS).describe('The SLOs: name, description, SLI (ratio of bad outcomes or latency threshold) and objective.'),
  alerting: z
    .strictObject({
      burnRate: z.array(burnAlert).min(1).prefault(() => DEFAULT_BURN_ALERTS).describe('Multiwindow burn-rate alerts: severity, long and short window, share of the budget consumed (factor derived).'),
      failureModes: failureModes.prefault({}).describe('Thresholds of the failure-mode alerts (signatures, clock skew, replays, keys, KMS, canary, telemetry).'),
      blastRadius: blastRadius.prefault({}).describe('When a burn-rate alert pages and when it only opens a ticket, by how many clients or jobs fail.'),
      runbookUrl: z.string().default('https://github.com/hmac-slo/hmac-slo/blob/main/docs/runbooks.md#%s').describe('`%s` is replaced by the alert name\'s lower-cased anchor in docs/runbooks.md.'),
      alertPrefix: z.string().regex(/^[A-Z][A-Za-z0-9]*$/).default('HmacAuth').describe('Common prefix of every alert name.'),
    })
    .prefault({})
    .describe('Alerts: burn-rate alerts, failure-mode thresholds, runbook URL and alert name prefix.'),
  timeScale: z.number().positive().default(1).describe('Divides every window, `for` and period: only for tests and demos that need a day of alerting in a minute; 1 in production.'),
  collector: collectorSchema.prefault({}).describe('The collector: listen address, state, limits, connections, SLO engine, failure log and push credentials.'),
});

export type HmacSloConfig = z.infer<typeof configSchema>;
export type SloConfig = z.infer<typeof sloSchema>;
export type SloScope = z.infer<typeof sloScopeSchema>;
export type BurnAlertConfig = z.infer<typeof burnAlert>;

/** Starting targets from the HMAC auth guide's metrics table (docs/dashboards.md maps its codes). */
export const DEFAULT_SLOS: z.input<typeof sloSchema>[] = [
  {
    name: 'auth-success',
    description: 'Signed requests that verify. Client faults count: they are what mismatch storms look like.',
    sli: { kind: 'ratio', source: 'verifications', badOutcomes: ['rejected', 'error'] },
    objective: 0.999,
  },
  {
    name: 'auth-availability',
    description: 'Verifications that reached a decision: only our own failures (KMS, internal) are bad.',
    sli: { kind: 'ratio', source: 'verifications', badOutcomes: ['error'] },
    objective: 0.9995,
  },
  {
    name: 'verification-latency',
    description: 'Verifications decided within 30 ms.',
    sli: { kind: 'latency', source: 'verificationDuration', thresholdSeconds: 0.03 },
    objective: 0.95,
  },
  {
    name: 'kms-success',
    description: 'KMS operations without error.',
    sli: { kind: 'ratio', source: 'kmsOperations', badOutcomes: ['error'] },
    objective: 0.9999,
  },
];

/** SRE workbook defaults: page 2 %/1h and 5 %/6h, ticket 10 %/1d and 10 %/3d of a 30-day budget. */
export const DEFAULT_BURN_ALERTS: z.input<typeof burnAlert>[] = [
  { severity: 'critical', long: '1h', short: '5m', budgetConsumed: 0.02 },
  { severity: 'critical', long: '6h', short: '30m', budgetConsumed: 0.05 },
  { severity: 'warning', long: '1d', short: '2h', budgetConsumed: 0.1 },
  { severity: 'warning', long: '3d', short: '6h', budgetConsumed: 0.1 },
];
