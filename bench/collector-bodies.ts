/**
 * The request bodies of the collector benchmark: what one realistic instrumented service pushes
 * (a verification counter by key/outcome/reason, a latency histogram, KMS operations — 50 data
 * points), encoded with protobufjs from the collector's OTLP schema, whose wire format the tests
 * check against the real `@opentelemetry/exporter-metrics-otlp-proto`.
 */
import { DURATION_BUCKETS_SECONDS, INSTRUMENTS } from '@hmac-slo/instrumentation/contract';
import { MetricsRequest } from '../src/collector/otlp/proto.js';

export const PUSHERS = 1000;
export const JOBS = 200;

const kv = (key: string, v: string) => ({ key, value: { stringValue: v } });
const KEYS = ['k-2026-01', 'k-2026-02', 'k-2026-03', 'k-2026-04', 'k-2026-05'];
const COUNTER_ATTRS = KEYS.flatMap((k) => [
  ['accepted', ''],
  ['rejected', 'signature_mismatch'],
  ['rejected', 'timestamp_skew'],
  ['rejected', 'replay'],
  ['rejected', 'unknown_key'],
  ['error', 'kms_unavailable'],
].map(([o, r]) => [kv('hmac.scheme', 'ref'), kv('hmac.key_id', k), kv('hmac.outcome', o!), ...(r ? [kv('error.type', r)] : [])]));

/** Pusher `pusher`'s push in round `round`: cumulative values grow by round. */
export function benchBody(pusher: number, round: number, startNs: string): Buffer {
  const now = String(BigInt(Date.now()) * 1_000_000n);
  const n = round + 1;
  const buckets = DURATION_BUCKETS_SECONDS.length + 1;
  const req = {
    resourceMetrics: [
      {
        resource: { attributes: [kv('service.name', `svc-${pusher % JOBS}`), kv('service.instance.id', `instance-${pusher}`), kv('telemetry.sdk.language', 'nodejs')] },
        scopeMetrics: [
          {
            scope: { name: '@hmac-slo/instrumentation', version: '0.1.0' },
            metrics: [
              {
                name: INSTRUMENTS.verifications.name,
                unit: INSTRUMENTS.verifications.unit,
                sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: COUNTER_ATTRS.map((attributes, i) => ({ attributes, startTimeUnixNano: startNs, timeUnixNano: now, asInt: n * (i + 1) })) },
              },
              {
                name: INSTRUMENTS.verificationDuration.name,
                unit: 's',
                histogram: {
                  aggregationTemporality: 2,
                  dataPoints: KEYS.flatMap((k) =>
                    ['accepted', 'rejected'].map((o) => ({
                      attributes: [kv('hmac.scheme', 'ref'), kv('hmac.key_id', k), kv('hmac.outcome', o)],
                      startTimeUnixNano: startNs,
                      timeUnixNano: now,
                      count: n * buckets,
                      sum: n * 0.5,
                      bucketCounts: new Array(buckets).fill(n),
                      explicitBounds: [...DURATION_BUCKETS_SECONDS],
                    })),
                  ),
                },
              },
              {
                name: INSTRUMENTS.kmsOperations.name,
                unit: INSTRUMENTS.kmsOperations.unit,
                sum: {
                  aggregationTemporality: 2,
                  isMonotonic: true,
                  dataPoints: ['decrypt', 'sign', 'generate_mac', 'verify_mac', 'get_key'].flatMap((op) =>
                    ['accepted', 'error'].map((o) => ({
                      attributes: [kv('hmac.kms.provider', 'aws'), kv('hmac.kms.operation', op), kv('hmac.outcome', o)],
                      startTimeUnixNano: startNs,
                      timeUnixNano: now,
                      asInt: n,
                    })),
                  ),
                },
              },
            ],
          },
        ],
      },
    ],
  };
  return Buffer.from(MetricsRequest.encode(MetricsRequest.fromObject(req)).finish());
}

