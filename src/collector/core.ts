/**
 * The collector's state and what changes it, without HTTP: aggregation, the SLO engine, key usage,
 * the failure log, and their persistence. Every acknowledged push goes through `ingestMetrics`,
 * which logs the push to disk before applying it; `recover` replays the log after the last snapshot.
 */
import type { Logger } from 'pino';
import type { HmacSloConfig } from '../config/schema.js';
import { durationSeconds } from '../config/duration.js';
import { Aggregator, isKeptMetric, type AggregatorLimits, type IngestResult } from './aggregate/aggregator.js';
import { SloEngine } from './slo/index.js';
import { FailureLog } from './failures/index.js';
import { KeyUsage } from './keys/index.js';
import { StateStore, type Snapshot } from './state/store.js';
import { SelfMetrics } from './self-metrics.js';
import type { ResourceMetrics, Span } from './otlp/types.js';
import { failedSpanOf } from './spans.js';
import type { PromFamily } from './model.js';
import { decodeMetrics } from './otlp/body.js';

/** Only `hmac.*` metrics are aggregated; the points of others are counted as ignored. */
function keptOnly(resources: readonly ResourceMetrics[]): { kept: ResourceMetrics[]; ignored: number } {
  let ignored = 0;
  const kept = resources.map((r) => ({
    resource: r.resource,
    metrics: r.metrics.filter((m) => {
      if (isKeptMetric(m.name)) return true;
      ignored += m.data.type === 'unsupported' ? m.data.points : m.data.points.length;
      return false;
    }),
  }));
  return { kept, ignored };
}

/** Push-log record kinds: a metrics body as received (protobuf or JSON), or forgotten pushers. */
export const RECORD_PROTOBUF = 1;
export const RECORD_JSON = 2;
export const RECORD_FORGET = 3;

export class CollectorCore {
  agg: Aggregator;
  engine: SloEngine;
  readonly failures: FailureLog;
  readonly keys: KeyUsage;
  readonly self = new SelfMetrics();
  readonly store: StateStore;
  private readonly limits: AggregatorLimits;

  constructor(
    readonly config: HmacSloConfig,
    stateDir: string,
    private readonly log: Logger,
  ) {
    const c = config.collector;
    this.limits = {
      maxSeries: c.limits.maxSeries,
      maxSeriesPerJob: c.limits.maxSeriesPerJob,
      pusherTtlMs: (durationSeconds(c.pusherTtl) * 1000) / config.timeScale,
    };
    this.agg = new Aggregator(this.limits);
    this.engine = new SloEngine(config);
    this.failures = new FailureLog({ ringSize: c.failures.ringSize, topClients: c.failures.topClients });
    this.keys = new KeyUsage(config);
    this.store = new StateStore(stateDir, log);
  }

  /** Loads the snapshot, replays the pushes logged after it, and opens a new log. */
  recover(): void {
    const { snapshot, records } = this.store.recover((s) => {
      // Validate before accepting, so a damaged snapshot is moved aside rather than half-used.
      Aggregator.fromJSON(this.limits, s.aggregator);
    });
    if (snapshot) {
      this.agg = Aggregator.fromJSON(this.limits, snapshot.aggregator);
      try {
        this.engine = SloEngine.fromJSON(this.config, snapshot.slo);
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'SLO history in the snapshot is unreadable: starting the history afresh');
      }
    }
    let replayed = 0;
    const limits = this.config.collector.limits;
    for (const rec of records) {
      try {
        if (rec.kind === RECORD_FORGET) {
          this.agg.forget(JSON.parse(rec.payload.toString('utf8')) as string[], rec.timeMs);
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
    // Fold the replay into a snapshot right away, so the next start reads one file.
    this.snapshotNow(Date.now());
  }

  /**
   * Durably logs, then applies, one decoded metrics push. `body` is the request body as received
   * (decompressed) in `encoding`: logged as is, decoded again only on replay.
   */
  async ingestMetrics(resources: ResourceMetrics[], nowMs: number, body: Buffer, encoding: 'protobuf' | 'json'): Promise<IngestResult> {
    const { kept, ignored } = keptOnly(resources);
    await this.store.append(encoding === 'json' ? RECORD_JSON : RECORD_PROTOBUF, nowMs, body);
    // Applied right after its own write completes: writes complete in append order, so pushes are
    // applied in the order the log holds them (what a replay will do).
    const result = this.agg.ingest(kept, nowMs);
    result.ignored += ignored;
    this.self.acceptedPoints += result.accepted;
    this.self.ignoredPoints += result.ignored;
    for (const [reason, n] of result.rejected) this.self.inc(this.self.rejectedPoints, reason, n);
    return result;
  }

  ingestSpans(spans: readonly Span[]): number {
    let n = 0;
    for (const s of spans) {
      const f = failedSpanOf(s);
      if (!f) continue;
      this.failures.record(f);
      n++;
    }
    this.self.failedSpans += n;
    return n;
  }

  /** Forget idle pushers (logged, so a replay forgets them at the same point) and sample the SLO engine. */
  async tick(nowMs: number): Promise<void> {
    const ids = this.agg.expiredPushers(nowMs);
    if (ids.length > 0) {
      await this.store.append(RECORD_FORGET, nowMs, Buffer.from(JSON.stringify(ids)));
      this.agg.forget(ids, nowMs);
      this.log.info({ pushers: ids.length }, 'forgot idle pushers (their counts stay)');
    }
    this.sample(nowMs);
  }

  sample(nowMs: number): void {
    this.engine.sample(this.agg, nowMs);
    this.keys.sample(this.agg, nowMs);
  }

  private build(nowMs: number) {
    return (nextLog: number): Snapshot => ({
      version: 1,
      savedAtMs: nowMs,
      nextLog,
      aggregator: this.agg.toJSON(),
      slo: this.engine.toJSON(),
    });
  }

  private snapshotFailed(err: unknown): void {
    this.self.snapshotErrors++;
    this.log.error({ err: (err as Error).message }, 'writing the state snapshot failed; pushes stay in the log');
  }

  /** Compacts between two log writes; never rejects (a failure is logged and counted). */
  async snapshot(nowMs: number): Promise<void> {
    try {
      await this.store.compact(this.build(nowMs));
      this.self.snapshots++;
    } catch (err) {
      this.snapshotFailed(err);
    }
  }

  private snapshotNow(nowMs: number): void {
    try {
      this.store.compactNow(this.build(nowMs));
      this.self.snapshots++;
    } catch (err) {
      this.snapshotFailed(err);
    }
  }

  selfFamilies(): PromFamily[] {
    return this.self.families({
      activePushers: this.agg.activePushers,
      series: this.agg.seriesCount,
      overflow: this.agg.overflow,
      logBytes: this.store.logBytes,
      topClients: this.failures.topClientTables(),
    });
  }
}
