/**
 * The big-pusher load of the collector benchmark (issue 9, finding 5): one client offers ~1.5M
 * distinct per-pusher cumulative readings (150 pushers of one job × 10,000 streams, 4 pushers per
 * request), more than `collector.limits.maxReadings` (default 1,000,000) lets the collector hold
 * (its one job allowed all of them: `maxReadingsPerJob` raised to `maxReadings`, so the figure is
 * the memory at the total cap).
 * Measured on a fresh collector process: readings held (from its own metrics), points refused,
 * and its peak RSS against its RSS right after start (the baseline of the same run). Before the cap
 * 1M readings took ~550 MB and 4M broke every snapshot.
 */
import { request } from 'node:http';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../src/config/load.js';
import { MetricsRequest } from '../src/collector/otlp/proto.js';
import { startCollector } from '../test/support/collector.js';
import { peakRssMiB, rssMiB } from './measure.js';

export const BIG_STREAMS = 10_000;
export const BIG_PUSHERS = 150;
const PER_REQUEST = 4;

const kv = (key: string, v: string) => ({ key, value: { stringValue: v } });

/** One request: pushers `first…first+PER_REQUEST-1` of job `big`, each with every stream. */
function bigBody(first: number, startNs: string): Buffer {
  const now = String(BigInt(Date.now()) * 1_000_000n);
  const points = Array.from({ length: BIG_STREAMS }, (_, i) => ({ attributes: [kv('hmac.key_id', `key-${i}`)], startTimeUnixNano: startNs, timeUnixNano: now, asInt: 1 }));
  const req = {
    resourceMetrics: Array.from({ length: PER_REQUEST }, (_, r) => ({
      resource: { attributes: [kv('service.name', 'big'), kv('service.instance.id', `big-${first + r}`)] },
      scopeMetrics: [{ scope: { name: 'bench' }, metrics: [{ name: 'hmac.auth.verifications', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: points } }] }],
    })),
  };
  return Buffer.from(MetricsRequest.encode(MetricsRequest.fromObject(req)).finish());
}

function post(url: string, body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL('/v1/metrics', url), { method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('latin1') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

export interface BigPusherFigures {
  offered: number;
  held: number;
  refused: number;
  baselineMiB: number;
  peakMiB: number;
  seconds: number;
}

/** Runs the big-pusher load against a fresh collector (default config, one job allowed every reading). */
export async function bigPusher(dir: string): Promise<BigPusherFigures> {
  const { maxReadings } = parseConfig({}).collector.limits;
  const bigDir = join(dir, 'big-pusher');
  mkdirSync(bigDir);
  const coll = await startCollector({ dir: bigDir, configYaml: `collector:\n  limits:\n    maxReadingsPerJob: ${maxReadings}\n` });
  try {
    await new Promise((r) => setTimeout(r, 500));
    const baselineMiB = rssMiB(coll.child.pid!);
    const startNs = String(BigInt(Date.now() - 60_000) * 1_000_000n);
    const t0 = process.hrtime.bigint();
    for (let p = 0; p < BIG_PUSHERS; p += PER_REQUEST) {
      const r = await post(coll.url, bigBody(p, startNs));
      if (r.status !== 200) throw new Error(`big push answered ${r.status}: ${r.text.slice(0, 200)}`);
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    // Let a snapshot of the full state happen (the log passed 64 MiB), then read the figures.
    await new Promise((r) => setTimeout(r, 3_000));
    const text = await (await fetch(`${coll.url}/metrics`)).text();
    const held = Number(/^hmac_slo_collector_readings (\d+)/m.exec(text)?.[1] ?? NaN);
    const refused = Number(/^hmac_slo_collector_rejected_data_points_total\{reason="reading_limit"\} (\d+)/m.exec(text)?.[1] ?? 0);
    const offered = Math.ceil(BIG_PUSHERS / PER_REQUEST) * PER_REQUEST * BIG_STREAMS;
    return { offered, held, refused, baselineMiB, peakMiB: peakRssMiB(coll.child.pid!), seconds };
  } finally {
    await coll.stop();
  }
}
