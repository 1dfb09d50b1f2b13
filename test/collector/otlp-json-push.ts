/**
 * Raw OTLP/JSON pushes of `hmac.verifications` for the collector tests that need what the SDK will
 * not send: a chosen start time for every stream (as SDKs that stamp cumulative streams with the
 * process start do), many resources in one request, hand-picked temporality.
 */
import { ATTR, INSTRUMENTS } from '@hmac-slo/instrumentation/contract';

const str = (key: string, v: string) => ({ key, value: { stringValue: v } });

export interface VerificationsPush {
  /** One resource per entry: `service.name`, and `service.instance.id` when given. */
  readonly resources: readonly { job: string; instance?: string }[];
  /** 1 = delta, 2 = cumulative. */
  readonly temporality: 1 | 2;
  /** Points per outcome, the same for every resource. */
  readonly values: Readonly<Record<string, number>>;
  /** Start (and point) time in nanoseconds; now when absent. */
  readonly startNs?: string;
}

export function postVerifications(url: string, p: VerificationsPush): Promise<Response> {
  const time = p.startNs ?? String(BigInt(Date.now()) * 1_000_000n);
  const dataPoints = Object.entries(p.values).map(([outcome, v]) => ({
    attributes: [str(ATTR.outcome, outcome)],
    ...(p.startNs !== undefined ? { startTimeUnixNano: p.startNs } : {}),
    timeUnixNano: time,
    asInt: String(v),
  }));
  const resourceMetrics = p.resources.map((r) => ({
    resource: { attributes: [str('service.name', r.job), ...(r.instance ? [str('service.instance.id', r.instance)] : [])] },
    scopeMetrics: [{ metrics: [{ name: INSTRUMENTS.verifications.name, sum: { aggregationTemporality: p.temporality, isMonotonic: true, dataPoints } }] }],
  }));
  return fetch(`${url}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ resourceMetrics }) });
}
