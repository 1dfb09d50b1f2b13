/**
 * The pushes behind test/collector/fixtures/state-e35c474.json (a snapshot written by the collector
 * at commit e35c474, before summed gauges and per-series readings): OTLP/JSON with fixed start times,
 * so a test can continue the very same cumulative streams after loading it.
 */
import { ATTR, INSTRUMENTS } from '@hmac-slo/instrumentation/contract';

export const OLD_SNAPSHOT_JOB = 'api';
const START = '1700000000000000000';

export interface OldSnapshotReading {
  accepted: number;
  rejected: number;
  clients: number;
}

/** One push of pusher `instance` (job api, version 1.0.0): its cumulative verifications and its client gauge. */
export async function oldSnapshotPush(url: string, instance: string, r: OldSnapshotReading): Promise<void> {
  const now = `${BigInt(Date.now()) * 1_000_000n}`;
  const attr = (key: string, value: string) => ({ key, value: { stringValue: value } });
  const point = (value: number, attrs: ReturnType<typeof attr>[]) => ({ attributes: attrs, startTimeUnixNano: START, timeUnixNano: now, asInt: String(value) });
  const scheme = attr(ATTR.scheme, 'stripe');
  const body = {
    resourceMetrics: [
      {
        resource: { attributes: [attr('service.name', OLD_SNAPSHOT_JOB), attr('service.instance.id', instance), attr('service.version', '1.0.0')] },
        scopeMetrics: [
          {
            scope: { name: 'old-snapshot' },
            metrics: [
              {
                name: INSTRUMENTS.verifications.name,
                unit: INSTRUMENTS.verifications.unit,
                sum: {
                  aggregationTemporality: 2,
                  isMonotonic: true,
                  dataPoints: [
                    point(r.accepted, [scheme, attr(ATTR.outcome, 'accepted'), attr(ATTR.keyId, 'k1')]),
                    point(r.rejected, [scheme, attr(ATTR.outcome, 'rejected'), attr(ATTR.errorType, 'signature_mismatch'), attr(ATTR.keyId, 'k1')]),
                  ],
                },
              },
              {
                name: INSTRUMENTS.authClients.name,
                unit: INSTRUMENTS.authClients.unit,
                gauge: { dataPoints: [point(r.clients, [scheme, attr(ATTR.clientState, 'active')])] },
              },
            ],
          },
        ],
      },
    ],
  };
  const res = await fetch(`${url}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 200) throw new Error(`push ${instance}: ${res.status} ${await res.text()}`);
}
