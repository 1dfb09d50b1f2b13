/**
 * In-process cost of the ingest steps on the benchmark's bodies (no HTTP, no disk): decoding a
 * protobuf push into the collector's types, aggregating it, and framing it for the push log
 * (CRC-32 of the body). Decoding alone and decoding + aggregating are measured as interleaved
 * variants (see measure.ts); aggregation is their difference, so that both carry the same
 * allocation and garbage-collection load as in the collector.
 */
import { crc32 } from 'node:zlib';
import { Aggregator } from '../src/collector/aggregate/aggregator.js';
import { aggregatorLimits } from '../src/collector/core.js';
import { parseConfig } from '../src/config/load.js';
import { decodeMetrics } from '../src/collector/otlp/body.js';
import { benchBody, PUSHERS } from './collector-bodies.js';
import { measure } from './measure.js';

export interface StageCosts {
  /** µs per request. */
  readonly decode: number;
  readonly aggregate: number;
  readonly logFrame: number;
}

const limits = { maxBodyBytes: 4 << 20, maxJsonDepth: 32 };

export function stageCosts(rounds = 8): StageCosts {
  const startNs = String(BigInt(Date.now() - 60_000) * 1_000_000n);
  // Round-major, like the benchmark's load: every pusher pushes once per round, values growing.
  const all = Array.from({ length: rounds }, (_, r) => Array.from({ length: PUSHERS }, (_, p) => benchBody(p, r, startNs))).flat();
  const { maxPushers, maxLabelValueBytes, maxAttributesPerPoint } = aggregatorLimits(parseConfig({}));
  const agg = new Aggregator({ maxSeries: 1_000_000, maxSeriesPerJob: 100_000, pusherTtlMs: 3_600_000, maxPushers, maxLabelValueBytes, maxAttributesPerPoint });
  let sink = 0;
  const [decode, both, logFrame] = measure(
    [
      { name: 'decode', run: (i) => decodeMetrics(all[i % all.length]!, 'protobuf', limits) },
      { name: 'decode + aggregate', run: (i) => agg.ingest(decodeMetrics(all[i % all.length]!, 'protobuf', limits), 0) },
      { name: 'log frame', run: (i) => (sink += crc32(all[i % all.length]!)) },
    ],
    { warmup: all.length, batch: 2000, rounds: 9 },
  );
  return { decode: decode!.nsPerCall / 1000, aggregate: (both!.nsPerCall - decode!.nsPerCall) / 1000, logFrame: logFrame!.nsPerCall / 1000 };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const c = stageCosts();
  console.log(`decode ${c.decode.toFixed(1)} µs  aggregate ${c.aggregate.toFixed(1)} µs  log frame (CRC-32) ${c.logFrame.toFixed(1)} µs per request`);
}
