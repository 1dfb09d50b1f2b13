/**
 * Whether the demo process was short of CPU during its opening steady phase, read from its own
 * healthy SimulatedKms. That KMS answers after a log-normal timer in the demo's event loop (p50 3 ms,
 * p95 9 ms: slower than 30 ms about once in 3,000 calls), so a share of its calls measured slower
 * than 30 ms means the event loop ran late — and the verifications waiting on it (those that unwrap
 * a key, a third of payments-api's at speed 80) were then slow for real. On a busy machine the
 * verification-latency SLO can therefore burn in the steady phase although nothing is wrong.
 */
import { INSTRUMENTS } from '@hmac-slo/instrumentation/contract';
import { DEFAULT_SLOS } from '../../src/config/schema.js';
import { KMS_HEALTHY } from '../../src/demo/kms.js';
import type { Prometheus } from '../support/prometheus.js';

/** The verification-latency SLO's threshold (30 ms), a bucket bound of every duration histogram. */
const latency = DEFAULT_SLOS.find((s) => s.name === 'verification-latency')!.sli;
const SLOW = String(latency.kind === 'latency' ? latency.thresholdSeconds : NaN);
/** Share of healthy KMS calls slower than SLOW from which the demo counts as starved (healthy: ~0.03 %). */
export const STARVED_SHARE = 0.05;

export interface KmsTiming {
  calls: number;
  slow: number;
  starved: boolean;
}

/** The demo's KMS calls up to `atSec` (all of them in the opening steady phase) and how many took over 30 ms. */
export async function kmsTiming(prometheus: Prometheus, atSec: number): Promise<KmsTiming> {
  // The premise: the healthy KMS itself stays well under the threshold.
  if (KMS_HEALTHY.latencyP95Ms > 10 || KMS_HEALTHY.hangRate > 0) throw new Error('the healthy SimulatedKms is no longer fast: kmsTiming cannot tell a busy machine from it');
  const name = INSTRUMENTS.kmsOperationDuration.prometheus;
  const value = async (expr: string) => (await prometheus.query(expr, atSec))[0]?.value ?? 0;
  const calls = await value(`sum(${name}_count)`);
  const slow = calls - (await value(`sum(${name}_bucket{le="${SLOW}"})`));
  return { calls, slow, starved: calls > 0 && slow / calls >= STARVED_SHARE };
}
