/**
 * The collector's state and what changes it, without HTTP: aggregation, the SLO engine, key usage,
 * the failure log, and their persistence. Every acknowledged push goes through `ingestMetrics` or
 * `ingestSpans`, which log it to disk before applying it; `recover` loads the last snapshot and
 * replays the log after it. SLO history and key usage are derived from the aggregates by sampling,
 * so the replay samples them on the same schedule the live process did.
 */
import type { Logger } from 'pino';
import { ATTR } from '@hmac-slo/instrumentation/contract';
import type { HmacSloConfig } from '../config/schema.js';
import { durationSeconds } from '../config/duration.js';
import { Aggregator, isKeptMetric, type AggregatorLimits, type IngestResult } from './aggregate/aggregator.js';
import { SloEngine } from './slo/index.js';
import { FailureLog, failureLogOptions, sanitizeFailedSpan, withTraceUrls } from './failures/index.js';
import { KeyUsage } from './keys/index.js';
import type { FailedSpan } from './model.js';
import { StateStore, type Snapshot } from './state/store.js';
import { SelfMetrics } from './self-metrics.js';
import type { ResourceMetrics, Span } from './otlp/types.js';
import { failedSpanOf } from './spans.js';
import { loadFingerprintKey } from './fingerprint-key.js';
import type { FailuresApiResponse, KeysApiResponse, PromFamily, SloApiResponse, SloDetailResponse, SloHistoryResponse } from './model.js';
import type { FailuresQuery } from './failures/index.js';
import type { StoredSeries } from './aggregate/aggregator.js';
import type { JobLabelValue } from './aggregate/resource-labels.js';
import { samplePeriodMs } from './schedule.js';
import { decodeMetrics } from './otlp/body.js';
import { checkRequestLimits } from './request-limits.js';
import { newCleanup, withBoundedAttributes, type AttributeCleanup } from './point-attributes.js';
import { VALUE_OTHER } from './closed-values.js';

/**
 * Only `hmac.*` metrics are aggregated; the points of others are counted as ignored. Span-only
 * attributes (raw client IDs) are removed from the kept points and the contract's closed-set
 * attributes bounded to their sets (point-attributes.ts), both counted in `cleanup`.
 */
function keptOnly(resources: readonly ResourceMetrics[], cleanup: AttributeCleanup = newCleanup()): { kept: ResourceMetrics[]; ignored: number } {
  let ignored = 0;
  const kept = resources.map((r) => ({
    resource: r.resource,
    metrics: withBoundedAttributes(
      r.metrics.filter((m) => {
        if (isKeptMetric(m.name)) return true;
        ignored += m.data.type === 'unsupported' ? m.data.points : m.data.points.length;
        return false;
      }),
      cleanup,
    ),
  }));
  return { kept, ignored };
}

/**
 * Push-log record kinds: a metrics body as received (protobuf or JSON), forgotten pushers, or the
 * failed spans of a trace push — as the failure log keeps them (sanitised, JSON), not the body: a
 * trace body may carry raw client IDs and much else the collector never keeps.
 */
export const RECORD_PROTOBUF = 1;
export const RECORD_JSON = 2;
export const RECORD_FORGET = 3;
export const RECORD_FAILURES = 4;
/** Jobs whose series expired (series TTL), as a JSON list of job names. */
export const RECORD_EXPIRE_JOBS = 5;
/** Resource label values whose series expired (a version no longer deployed), as JSON [job, label, value] triples. */
export const RECORD_EXPIRE_VALUES = 6;

/** The aggregator's caps and TTLs from `collector` (TTLs divided by timeScale). */
export function aggregatorLimits(config: HmacSloConfig): AggregatorLimits {
  const c = config.collector;
  return {
    maxSeries: c.limits.maxSeries,
    maxSeriesPerJob: c.limits.maxSeriesPerJob,
    pusherTtlMs: (durationSeconds(c.pusherTtl) * 1000) / config.timeScale,
    maxJobs: c.limits.maxJobs,
    reservedSeriesPerJob: c.limits.reservedSeriesPerJob,
    maxReadings: c.limits.maxReadings,
    maxReadingsPerJob: c.limits.maxReadingsPerJob,
    reservedReadingsPerJob: c.limits.reservedReadingsPerJob,
    maxPushers: c.limits.maxPushers,
    maxPushersPerJob: c.limits.maxPushersPerJob,
    reservedPushersPerJob: c.limits.reservedPushersPerJob,
    maxLabelValueBytes: c.limits.maxLabelValueBytes,
    maxAttributesPerPoint: c.limits.maxAttributesPerPoint,
    seriesTtlMs: (durationSeconds(c.seriesTtl) * 1000) / config.timeScale,
    resourceLabels: c.resourceLabels,
  };
}

/**
 * The pipeline, in order: decode (the HTTP layer) → log → aggregate → sample (the tick: SLO engine,
 * key usage) → answer reads. Its parts are private: the HTTP layer asks through the query methods
 * below, which never change state (only pushes, the tick and snapshots do).
 */
export class CollectorCore {
  private agg: Aggregator;
  private engine: SloEngine;
  private failures: FailureLog;
  private keys: KeyUsage;
  private readonly store: StateStore;
  /** Keys client fingerprints (HMAC), from the environment or STATE_DIR/fingerprint.key. */
  private readonly fingerprintKey: Buffer;
  private readonly limits: AggregatorLimits;
  /** The snapshot taken right after `recover` (see there). */
  recovered: Promise<void> = Promise.resolve();

  constructor(
    readonly config: HmacSloConfig,
    stateDir: string,
    private readonly log: Logger,
    /** The collector's own counters (shared with the HTTP layer, which counts its refusals there). */
    private readonly self: SelfMetrics = new SelfMetrics(),
  ) {
    this.limits = aggregatorLimits(config);
    this.agg = new Aggregator(this.limits);
    this.engine = new SloEngine(config);
    this.failures = new FailureLog(failureLogOptions(config));
    this.keys = new KeyUsage(config);
    this.store = new StateStore(stateDir, log);
    this.fingerprintKey = loadFingerprintKey(config.collector.fingerprintKeyEnv, stateDir);
  }

  /**
   * Loads the snapshot, replays the pushes logged after it, and opens a new log; then starts a
   * snapshot (`recovered` settles when it is written or has failed: the collector need not wait).
   */
  recover(nowMs: number = Date.now()): void {
    // The aggregates are validated before accepting, so a damaged snapshot is moved aside rather
    // than half-used; a damaged SLO, failure or key section costs only that section (below).
    const { snapshot, records } = this.store.recover();
    if (snapshot) {
      this.agg = Aggregator.fromJSON(this.limits, snapshot.aggregator);
      try {
        this.engine = SloEngine.fromJSON(this.config, snapshot.slo);
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'SLO history in the snapshot is unreadable: starting the history afresh');
      }
      // Sections a snapshot of an older version lacks start empty; a damaged one is reported and
      // starts empty too, without costing the aggregates.
      if (snapshot.failures !== undefined) {
        try {
          this.failures = FailureLog.fromJSON(failureLogOptions(this.config), snapshot.failures, snapshot.savedAtMs);
        } catch (err) {
          this.log.error({ err: (err as Error).message }, 'failure log in the snapshot is unreadable: starting it empty');
        }
      }
      if (snapshot.keys !== undefined) {
        try {
          this.keys = KeyUsage.fromJSON(this.config, snapshot.keys);
        } catch (err) {
          this.log.error({ err: (err as Error).message }, 'key usage in the snapshot is unreadable: starting it afresh');
        }
      }
    }
    let replayed = 0;
    const limits = this.config.collector.limits;
    // The aggregates now stand as they did when the snapshot was taken (or at the first logged
    // push): sample there, then wherever the live tick would have, so the SLO history and key usage
    // see each replayed push in the interval it arrived in — not all at once at start, where a first
    // sample would take them as the baseline.
    const period = samplePeriodMs(this.config);
    let sampledAt = snapshot?.savedAtMs;
    if (sampledAt !== undefined) this.sample(sampledAt);
    for (const rec of records) {
      if (sampledAt === undefined) this.sample((sampledAt = rec.timeMs));
      else if (rec.timeMs - sampledAt >= period) {
        this.sample(rec.timeMs);
        sampledAt = rec.timeMs;
      }
      try {
        if (rec.kind === RECORD_FAILURES) {
          for (const f of JSON.parse(rec.payload.toString('utf8')) as FailedSpan[]) this.failures.record(f, rec.timeMs);
          replayed++;
        } else if (rec.kind === RECORD_FORGET) {
          this.agg.forget(JSON.parse(rec.payload.toString('utf8')) as (string | [string, number])[], rec.timeMs);
        } else if (rec.kind === RECORD_EXPIRE_JOBS) {
          this.agg.dropJobs(JSON.parse(rec.payload.toString('utf8')) as string[], rec.timeMs);
        } else if (rec.kind === RECORD_EXPIRE_VALUES) {
          this.agg.dropResourceValues(JSON.parse(rec.payload.toString('utf8')) as JobLabelValue[], rec.timeMs);
        } else {
          const encoding = rec.kind === RECORD_JSON ? 'json' : 'protobuf';
          this.agg.ingest(keptOnly(decodeMetrics(rec.payload, encoding, limits)).kept, rec.timeMs);
          replayed++;
        }
      } catch (err) {
        // Only pushes that decoded are ever logged; a record that no longer does is reported, not fatal.
        this.log.error({ err: (err as Error).message }, 'push log record could not be replayed: skipped');
      }
    }
    if (replayed > 0) this.log.info({ pushes: replayed }, 'replayed pushes logged after the snapshot');
    // The first live sample: reads answer from it until the first tick.
    this.liveSample(nowMs);
    // Fold the replay into a snapshot right away, so the next start reads one file.
    this.recovered = this.snapshot(nowMs);
  }

  /**
   * Durably logs, then applies, one decoded metrics push. `body` is the request body as received
   * (decompressed) in `encoding`: logged as is, decoded again only on replay.
   */
  async ingestMetrics(resources: ResourceMetrics[], nowMs: number, body: Buffer, encoding: 'protobuf' | 'json'): Promise<IngestResult> {
    checkRequestLimits(resources, this.config.collector.limits);
    const cleanup = newCleanup();
    const { kept, ignored } = keptOnly(resources, cleanup);
    this.self.attributesStripped(cleanup.stripped);
    this.self.unrecognizedAttributeValues(cleanup.unrecognized);
    await this.store.append(encoding === 'json' ? RECORD_JSON : RECORD_PROTOBUF, nowMs, body);
    // Applied right after its own write completes: writes complete in append order, so pushes are
    // applied in the order the log holds them (what a replay will do).
    const result = this.agg.ingest(kept, nowMs);
    result.ignored += ignored;
    this.self.pointsIngested(result);
    return result;
  }

  /**
   * Durably logs, then applies, the failed `hmac.*` spans of one trace push (the same guarantee as
   * metrics: once this resolves, a SIGKILL loses none of them). A push without any logs nothing.
   */
  async ingestSpans(spans: readonly Span[], nowMs: number): Promise<number> {
    const failed: FailedSpan[] = [];
    for (const s of spans) {
      const f = failedSpanOf(s, this.fingerprintKey);
      if (!f) continue;
      const clean = sanitizeFailedSpan(f);
      // A cause, reason or outcome outside the contract's set is kept as `other` and counted (once, as received).
      if (clean.cause === VALUE_OTHER) this.self.unrecognizedAttributeValue(ATTR.failureCause);
      if (clean.reason === VALUE_OTHER) this.self.unrecognizedAttributeValue(ATTR.errorType);
      if (clean.outcome === VALUE_OTHER) this.self.unrecognizedAttributeValue(ATTR.outcome);
      failed.push(clean);
    }
    if (failed.length === 0) return 0;
    await this.store.append(RECORD_FAILURES, nowMs, Buffer.from(JSON.stringify(failed)));
    // Applied right after its own write, like metrics: the ring's order is the log's order.
    for (const f of failed) {
      // A time that cannot be believed becomes the receive time (logged as received: a replay does the same).
      const clamped = this.failures.record(f, nowMs);
      if (clamped) this.self.spanTimeClamped(clamped);
    }
    this.self.failedSpansRecorded(failed.length);
    return failed.length;
  }

  /** Forget idle pushers (logged, so a replay forgets them at the same point) and sample the SLO engine. */
  async tick(nowMs: number): Promise<void> {
    const ids = this.agg.expiredPushers(nowMs);
    if (ids.length > 0) {
      // With when each was last seen: one that pushes while this is logged is kept (live and replayed).
      const seen = this.agg.lastSeen(ids);
      await this.store.append(RECORD_FORGET, nowMs, Buffer.from(JSON.stringify(seen)));
      this.agg.forget(seen, nowMs);
      this.log.info({ pushers: ids.length }, 'forgot idle pushers (their counts stay)');
    }
    const jobs = this.agg.expiredJobs(nowMs);
    if (jobs.length > 0) {
      // Logged like forgetting, so a replay drops them at the same point.
      await this.store.append(RECORD_EXPIRE_JOBS, nowMs, Buffer.from(JSON.stringify(jobs)));
      const series = this.agg.dropJobs(jobs, nowMs);
      this.log.info({ jobs: jobs.length, series }, 'dropped the series of jobs idle for the series TTL');
    }
    const values = this.agg.expiredResourceValues(nowMs);
    if (values.length > 0) {
      await this.store.append(RECORD_EXPIRE_VALUES, nowMs, Buffer.from(JSON.stringify(values)));
      const series = this.agg.dropResourceValues(values, nowMs);
      this.log.info({ values: values.length, series }, 'dropped the series of resource label values (versions) no pusher had for the series TTL');
    }
    this.liveSample(nowMs);
  }

  /** The only place the SLO engine and key usage read the aggregates (the replay's samples included). */
  private sample(nowMs: number): void {
    this.engine.sample(this.agg, nowMs);
    this.keys.sample(this.agg, nowMs);
  }

  /** A sample of the running collector (at start and on each tick), counted in its own metrics. */
  private liveSample(nowMs: number): void {
    this.sample(nowMs);
    this.self.sampled();
  }

  private build(nowMs: number) {
    return (nextLog: number): Snapshot => ({
      version: 1,
      savedAtMs: nowMs,
      nextLog,
      aggregator: this.agg.toJSON(),
      slo: this.engine.toJSON(),
      failures: this.failures.toJSON(),
      keys: this.keys.toJSON(),
    });
  }

  private snapshotFailed(err: unknown): void {
    this.self.snapshotFailed();
    this.log.error({ err: (err as Error).message }, 'writing the state snapshot failed; pushes stay in the log');
  }

  /** Compacts between two log writes; never rejects (a failure is logged and counted). */
  async snapshot(nowMs: number): Promise<void> {
    try {
      await this.store.compact(this.build(nowMs));
      this.self.snapshotWritten();
    } catch (err) {
      this.snapshotFailed(err);
    }
  }

  /** Closes the push log (after the last snapshot, at shutdown). */
  close(): void {
    this.store.close();
  }

  /** Bytes in the push log since the last snapshot (a big log triggers one). */
  get logBytes(): number {
    return this.store.logBytes;
  }

  // ---- queries: what reads answer, as of the last sample; none of them changes state ----

  /** The aggregated series with their latest exemplars (`/metrics`). */
  rawSeries(): Iterable<Readonly<StoredSeries>> {
    return this.agg.rawSeries();
  }

  /** `GET /api/slo`: the SLO engine's windows as of its last sample. */
  sloStatus(nowMs: number): SloApiResponse {
    const status = this.engine.status(nowMs);
    const grafana = this.config.collector.grafana;
    return grafana.url === '' ? status : { ...status, grafanaDashboardUrl: `${grafana.url.replace(/\/+$/, '')}/d/${encodeURIComponent(grafana.dashboardUid)}` };
  }

  /** `GET /api/slo/detail`: undefined for a pair the engine does not track. */
  sloDetail(job: string, slo: string, range: string): SloDetailResponse | undefined {
    return this.engine.detail(job, slo, range, this.failures);
  }

  /** The ranges `/api/slo/detail` accepts. */
  sloDetailRanges(): string[] {
    return this.engine.detailRanges();
  }

  /** `GET /api/slo/history`: undefined for a pair the engine does not track. */
  sloHistory(job: string, slo: string): SloHistoryResponse | undefined {
    return this.engine.has(job, slo) ? this.engine.history(job, slo) : undefined;
  }

  /** `GET /api/failures` (throws `FailureQueryError` for a bad query). */
  failureQuery(query: FailuresQuery): FailuresApiResponse {
    return withTraceUrls(this.failures.query(query), this.config.collector.traceUrlTemplate);
  }

  /** `GET /api/keys`: key usage over its window, up to the current totals (computed, not recorded). */
  keyUsage(nowMs: number): KeysApiResponse {
    return this.keys.response(this.agg, nowMs);
  }

  selfFamilies(): PromFamily[] {
    return this.self.families({
      activePushers: this.agg.activePushers,
      series: this.agg.seriesCount,
      overflow: this.agg.overflow,
      overflowByCap: this.agg.overflowByCap,
      readings: this.agg.readings,
      jobs: this.agg.jobCount,
      expiredSeries: this.agg.expiredSeries,
      resourceLabelOverflow: new Map(this.config.collector.resourceLabels.attributes.map(({ label }) => [label, this.agg.resourceLabels.overflowPoints.get(label) ?? 0])),
      logBytes: this.store.logBytes,
      topClients: this.failures.topClientTables(),
      sloPairs: this.engine.stats(),
      keyRevocations: this.keys.revocationTable(),
    });
  }
}
