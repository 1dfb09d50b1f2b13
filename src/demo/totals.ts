/**
 * `--totals FILE`: what the demo's services counted themselves, to compare with what reached the
 * collector.
 *
 * - `verifications`, `byKey`, `kms`, `replay` come from each service's own OpenTelemetry SDK: the
 *   cumulative values in the batch it is exporting (the tap in telemetry.ts). After the final export
 *   they must equal the collector's `hmac_auth_verifications_total{job, hmac_outcome, error_type}` etc.
 * - `responses` is counted by the demo's clients from the HTTP answers they got (200, or the
 *   reason in the 401/5xx body): an account kept outside the instrumentation, which must agree
 *   with `verifications`.
 *
 * Written atomically (temporary file + rename) shortly after exports and at exit.
 */
import { renameSync, writeFileSync } from 'node:fs';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { ATTR, INSTRUMENTS } from '@hmac-slo/instrumentation/contract';
import type { ServiceIdentity } from './telemetry.js';

type Counts = Record<string, number>;

export interface DemoTotals {
  verifications: Record<string, Counts>;
  byKey: Record<string, Counts>;
  kms: Counts;
  replay: Record<string, { fresh: number; replayed: number }>;
  responses: Record<string, Counts>;
  exportedAt: number;
}

/** One service instance's latest cumulative readings. */
interface Reading {
  job: string;
  verifications: Counts;
  byKey: Counts;
  kms: Counts;
  replay: { fresh: number; replayed: number };
}

function add(counts: Counts, key: string, n: number): void {
  counts[key] = (counts[key] ?? 0) + n;
}

/** `<outcome>/<error.type or ok>`, the key format of `verifications` and `responses`. */
export function outcomeKey(outcome: string, reason: string | undefined): string {
  return `${outcome}/${reason ?? 'ok'}`;
}

export class TotalsBook {
  private readonly readings = new Map<string, Reading>();
  private readonly responses: Record<string, Counts> = {};
  private exportedAt = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly file: string | undefined) {}

  /** Takes a service's exported batch (cumulative temporality: the latest reading replaces the last). */
  record(identity: ServiceIdentity, metrics: ResourceMetrics): void {
    const reading: Reading = { job: identity.name, verifications: {}, byKey: {}, kms: {}, replay: { fresh: 0, replayed: 0 } };
    for (const scope of metrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        const name = metric.descriptor.name;
        for (const point of metric.dataPoints as Array<{ attributes: Record<string, unknown>; value: unknown }>) {
          const a = point.attributes;
          const value = typeof point.value === 'number' ? point.value : 0;
          if (name === INSTRUMENTS.verifications.name) {
            add(reading.verifications, outcomeKey(String(a[ATTR.outcome]), a[ATTR.errorType] as string | undefined), value);
            add(reading.byKey, String(a[ATTR.keyId]), value);
          } else if (name === INSTRUMENTS.kmsOperations.name) {
            add(reading.kms, `${String(a[ATTR.kmsOperation])}/${String(a[ATTR.outcome])}`, value);
          } else if (name === INSTRUMENTS.replayChecks.name) {
            const result = a[ATTR.replayResult];
            if (result === 'fresh' || result === 'replayed') reading.replay[result] += value;
          }
        }
      }
    }
    this.readings.set(identity.instanceId, reading);
    this.exportedAt = Date.now();
    this.scheduleWrite();
  }

  /** A client got an answer from `job`. */
  response(job: string, outcome: string, reason: string | undefined): void {
    add((this.responses[job] ??= {}), outcomeKey(outcome, reason), 1);
  }

  snapshot(): DemoTotals {
    const totals: DemoTotals = { verifications: {}, byKey: {}, kms: {}, replay: {}, responses: structuredClone(this.responses), exportedAt: this.exportedAt };
    for (const r of this.readings.values()) {
      const hasVerifications = Object.keys(r.verifications).length > 0;
      if (hasVerifications) {
        const v = (totals.verifications[r.job] ??= {});
        for (const [k, n] of Object.entries(r.verifications)) if (n > 0) add(v, k, n);
        const b = (totals.byKey[r.job] ??= {});
        for (const [k, n] of Object.entries(r.byKey)) if (n > 0) add(b, k, n);
      }
      for (const [k, n] of Object.entries(r.kms)) if (n > 0) add(totals.kms, k, n);
      if (r.replay.fresh + r.replay.replayed > 0) {
        const t = (totals.replay[r.job] ??= { fresh: 0, replayed: 0 });
        t.fresh += r.replay.fresh;
        t.replayed += r.replay.replayed;
      }
    }
    return totals;
  }

  /** Writes now (at exit); a no-op without --totals. */
  writeNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.file === undefined) return;
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.snapshot(), null, 2) + '\n');
    renameSync(tmp, this.file);
  }

  // Several services export every interval: coalesce their batches into one write.
  private scheduleWrite(): void {
    if (this.file === undefined || this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      try {
        this.writeNow();
      } catch {
        // a failed intermediate write is retried after the next export; the final one reports
      }
    }, 100);
    this.timer.unref();
  }
}
