/**
 * A collector with scoped SLOs, fed by real OpenTelemetry SDK pushers (the /api/slo test and the
 * status page test share it). Scoped on job and scheme, which the pushes carry as data-point
 * attributes:
 * - payments-prod (99.9 %): payments-api's stripe traffic, 10 rejected of 1000 → burn 10;
 *   its 500 svix rejections are in no scope;
 * - internal-webhooks (99 %): every job but payments-api (webhooks: 10 of 1000) → burn 1;
 * - eu-payments: environment eu, which nothing reports → no data.
 */
import type { SloScope } from '../../src/config/schema.js';
import { afterNextSample, startCollector, tempDir, type CollectorProcess } from '../support/collector.js';
import { Pusher } from './otel-pushers.js';

const SLI = { kind: 'ratio', source: 'verifications', badOutcomes: ['rejected', 'error'] } as const;

export const SCOPED_SLOS: { name: string; sli: typeof SLI; objective: number; scope: SloScope }[] = [
  { name: 'payments-prod', sli: SLI, objective: 0.999, scope: { job: ['payments-api'], hmac_scheme: ['stripe'] } },
  { name: 'internal-webhooks', sli: SLI, objective: 0.99, scope: { job: { notIn: ['payments-api'] } } },
  { name: 'eu-payments', sli: SLI, objective: 0.999, scope: { deployment_environment_name: ['eu'] } },
];

/** Starts the collector (timeScale 10: a sample a second), pushes the traffic and waits until it is sampled. */
export async function scopedCollector(opts: { ui?: boolean } = {}): Promise<{ collector: CollectorProcess; stop(): Promise<void> }> {
  const { dir, cleanup } = tempDir();
  const collector = await startCollector({ dir, configYaml: JSON.stringify({ timeScale: 10, slos: SCOPED_SLOS }), ui: opts.ui, ready: opts.ui });
  const pushers: Pusher[] = [];
  const stop = async () => {
    for (const p of pushers) await p.shutdown();
    await collector.stop();
    cleanup();
  };
  try {
    await afterNextSample(collector.url); // a baseline before any traffic: every push below is in the windows
    const push = async (job: string, counts: [string, string, number][]) => {
      const p = new Pusher({ url: collector.url, protocol: 'json', temporality: 'cumulative', serviceName: job, instance: `${job}-1` });
      pushers.push(p);
      for (const [scheme, outcome, n] of counts) {
        p.verifications.add(n, { 'hmac.scheme': scheme, 'hmac.outcome': outcome, ...(outcome === 'accepted' ? {} : { 'error.type': 'signature_mismatch' }) });
      }
      await p.flush();
    };
    await push('payments-api', [['stripe', 'accepted', 990], ['stripe', 'rejected', 10], ['svix', 'rejected', 500]]);
    await push('webhooks', [['svix', 'accepted', 990], ['svix', 'rejected', 10]]);
    await afterNextSample(collector.url);
  } catch (err) {
    await stop();
    throw err;
  }
  return { collector, stop };
}
