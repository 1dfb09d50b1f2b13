/**
 * Scoped SLOs in the collector (docs/configuration.md "Scoped SLOs"): two SLOs sharing one indicator
 * with different scopes and objectives each count only their own series, and an SLO whose scope has
 * no series is "no data" in /api/slo (listed in `noData`, never a 100 % SLI, never NaN). First on the
 * engine with hand-built series (a label from any attribute, e.g. an environment), then through a real
 * collector process fed by real OpenTelemetry SDK pushers (scoped-traffic.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.js';
import type { SloScope } from '../../src/config/schema.js';
import type { AggregatedSeries, SloApiResponse, SloStatus } from '../../src/collector/model.js';
import { SloEngine } from '../../src/collector/slo/index.js';
import { SCOPED_SLOS, scopedCollector } from './scoped-traffic.js';

const SLI = { kind: 'ratio', source: 'verifications', badOutcomes: ['rejected', 'error'] } as const;

/** payments-api in prod at 99.9 %, every other job at 99 %, and a scope nothing reports. */
const SLOS: { name: string; sli: typeof SLI; objective: number; scope: SloScope }[] = [
  { name: 'payments-prod', sli: SLI, objective: 0.999, scope: { job: ['payments-api'], deployment_environment_name: ['prod'] } },
  { name: 'internal-webhooks', sli: SLI, objective: 0.99, scope: { job: { notIn: ['payments-api'] } } },
  { name: 'eu-payments', sli: SLI, objective: 0.999, scope: { deployment_environment_name: ['eu'] } },
];

function verifications(job: string, env: string, outcome: string, value: number): AggregatedSeries {
  return {
    job,
    name: 'hmac.auth.verifications',
    promName: 'hmac_auth_verifications_total',
    attributes: { 'deployment.environment.name': env, 'hmac.outcome': outcome, ...(outcome === 'accepted' ? {} : { 'error.type': 'signature_mismatch' }) },
    kind: 'counter',
    value,
  };
}

function period(s: SloStatus) {
  const w = s.windows.find((x) => x.window === s.period);
  assert.ok(w, `${s.job}/${s.slo} has its period window`);
  return w;
}

function assertAllFinite(value: unknown, path = '$'): void {
  if (typeof value === 'number') assert.ok(Number.isFinite(value), `${path} is ${value}`);
  else if (Array.isArray(value)) value.forEach((v, i) => assertAllFinite(v, `${path}[${i}]`));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) assertAllFinite(v, `${path}.${k}`);
}

/** What both tests expect: each SLO sees only its scope, burns against its own objective. */
function assertScoped(status: SloApiResponse, slos: readonly { scope: SloScope }[] = SLOS): void {
  assert.deepEqual(
    status.slos.map((s) => `${s.job}/${s.slo}`),
    ['payments-api/payments-prod', 'webhooks/internal-webhooks'],
  );
  const [prod, internal] = status.slos as [SloStatus, SloStatus];
  // 10 of 1000 in both scopes (payments-api's staging failures belong to neither).
  assert.deepEqual([period(prod).events, period(prod).badEvents], [1000, 10]);
  assert.deepEqual([period(internal).events, period(internal).badEvents], [1000, 10]);
  // Same error ratio, different objectives: 0.01 / 0.001 = 10 against 0.01 / 0.01 = 1.
  assert.ok(Math.abs(period(prod).burnRate! - 10) < 1e-9, `payments-prod burns ${period(prod).burnRate}`);
  assert.ok(Math.abs(period(internal).burnRate! - 1) < 1e-9, `internal-webhooks burns ${period(internal).burnRate}`);
  assert.deepEqual(prod.scope, slos[0]!.scope);
  assert.deepEqual(internal.scope, slos[1]!.scope);
  // No series in its scope: no data, not a job with a 100 % SLI.
  assert.deepEqual(status.noData, [{ slo: 'eu-payments', description: '', objective: 0.999, period: '30d', scope: slos[2]!.scope }]);
  assertAllFinite(status);
}

test('engine: SLOs sharing an indicator count their own scope against their own objective; an empty scope is no data', () => {
  const engine = new SloEngine(parseConfig({ slos: SLOS }));
  const T0 = Date.UTC(2026, 0, 1);
  const at = (n: number): AggregatedSeries[] => [
    verifications('payments-api', 'prod', 'accepted', 990 * n),
    verifications('payments-api', 'prod', 'rejected', 10 * n),
    verifications('payments-api', 'staging', 'rejected', 500 * n),
    verifications('webhooks', 'prod', 'accepted', 990 * n),
    verifications('webhooks', 'prod', 'rejected', 10 * n),
  ];
  engine.sample({ series: () => at(0) }, T0);
  engine.sample({ series: () => at(1) }, T0 + 60_000);
  assertScoped(engine.status(T0 + 60_000));
  // The scope is part of what the counts mean: a restart under the same config keeps them.
  const restored = SloEngine.fromJSON(parseConfig({ slos: SLOS }), JSON.parse(JSON.stringify(engine.toJSON())));
  assert.deepEqual(restored.status(T0 + 60_000), engine.status(T0 + 60_000));
  // …and a changed scope starts over (its stored counts would mean something else).
  const widened = SLOS.map((s) => (s.name === 'payments-prod' ? { ...s, scope: { job: ['payments-api'] } } : s));
  const restarted = SloEngine.fromJSON(parseConfig({ slos: widened }), JSON.parse(JSON.stringify(engine.toJSON())));
  assert.deepEqual(restarted.status(T0 + 60_000).slos.map((s) => s.slo), ['internal-webhooks']);
});

test('engine: without scopes nothing changes (no scope field, the same history fingerprint)', () => {
  const plain = parseConfig({ slos: [{ name: 'all', sli: SLI, objective: 0.99 }] });
  const engine = new SloEngine(plain);
  engine.sample({ series: () => [verifications('a', 'prod', 'accepted', 0)] }, 0);
  engine.sample({ series: () => [verifications('a', 'prod', 'accepted', 5)] }, 60_000);
  const status = engine.status(60_000);
  assert.equal('scope' in status.slos[0]!, false);
  assert.deepEqual(status.noData, []);
  assert.equal(engine.toJSON().pairs[0]!.sli, JSON.stringify(plain.slos[0]!.sli));
});

test('GET /api/slo of a real collector: scoped SLOs from real SDK pushes, and no data for an empty scope', async () => {
  const { collector, stop } = await scopedCollector();
  try {
    const status = (await (await fetch(`${collector.url}/api/slo`)).json()) as SloApiResponse;
    assertScoped(status, SCOPED_SLOS);
  } finally {
    await stop();
  }
});

test('engine: a scope listed in another order keeps its history; `scope: {}` is no scope', () => {
  const T0 = Date.UTC(2026, 0, 1);
  const scoped = { name: 'envs', sli: SLI, objective: 0.99, scope: { job: ['b', 'a'], deployment_environment_name: { notIn: ['dev', 'ci'] } } };
  const engine = new SloEngine(parseConfig({ slos: [scoped] }));
  engine.sample({ series: () => [verifications('a', 'prod', 'accepted', 0)] }, T0);
  engine.sample({ series: () => [verifications('a', 'prod', 'accepted', 5)] }, T0 + 60_000);
  const reordered = { ...scoped, scope: { deployment_environment_name: { notIn: ['ci', 'dev'] }, job: ['a', 'b', 'a'] } };
  const restored = SloEngine.fromJSON(parseConfig({ slos: [reordered] }), JSON.parse(JSON.stringify(engine.toJSON())));
  assert.equal(period(restored.status(T0 + 60_000).slos[0]!).events, 5);

  const empty = new SloEngine(parseConfig({ slos: [{ name: 'all', sli: SLI, objective: 0.99, scope: {} }] }));
  empty.sample({ series: () => [verifications('a', 'prod', 'accepted', 0)] }, T0);
  empty.sample({ series: () => [verifications('a', 'prod', 'accepted', 5)] }, T0 + 60_000);
  assert.equal('scope' in empty.status(T0 + 60_000).slos[0]!, false);
  assert.equal(empty.toJSON().pairs[0]!.sli, JSON.stringify(SLI));
});

test('engine: after a restart that changes a scope or adds an SLO, its counters start from a baseline (not their whole past in the last interval)', () => {
  const T0 = Date.UTC(2026, 0, 1);
  // A long-running job: its counters hold a million events, 5 % bad, from before the restart.
  const at = (n: number) => [verifications('api', 'prod', 'accepted', 950_000 + 100 * n), verifications('api', 'prod', 'rejected', 50_000)];
  const kept = { name: 'kept', sli: SLI, objective: 0.999 };
  const engine = new SloEngine(parseConfig({ slos: [kept, { name: 'api', sli: SLI, objective: 0.999, scope: { job: ['api', 'other'] } }] }));
  for (let i = 0; i < 10; i++) engine.sample({ series: () => at(i) }, T0 + i * 10_000);
  const config = parseConfig({ slos: [kept, { name: 'api', sli: SLI, objective: 0.999, scope: { job: ['api'] } }, { name: 'added', sli: SLI, objective: 0.999 }] });
  const restored = SloEngine.fromJSON(config, JSON.parse(JSON.stringify(engine.toJSON())));
  restored.sample({ series: () => at(11) }, T0 + 110_000);
  restored.sample({ series: () => at(12) }, T0 + 120_000);
  const status = restored.status(T0 + 120_000);
  for (const slo of ['api', 'added']) {
    const s = status.slos.find((x) => x.slo === slo)!;
    // Only the 100 accepted since the restart: no error, no burn (it read 50 000 bad of 1 051 100, burn 47.6).
    assert.deepEqual([period(s).events, period(s).badEvents, period(s).burnRate], [100, 0, 0], slo);
  }
  // The unchanged SLO keeps its history and counts what happened while the collector was down.
  assert.equal(period(status.slos.find((x) => x.slo === 'kept')!).events, 1200);
});
