/**
 * `GET /api/slo/detail` (src/collector/slo/detail.ts, SloEngine.detail): one SLO over a range from
 * the engine's stored history. Its last point agrees with /api/slo, times before the history are
 * null, the failed spans behind it within the range are split by reason and key ID, it is the same after a restart
 * (the history is persisted with the snapshot), and the HTTP endpoint checks its parameters.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.js';
import type { AggregatedSeries, SeriesSource } from '../../src/collector/model.js';
import { SloEngine } from '../../src/collector/slo/index.js';
import { FailureLog } from '../../src/collector/failures/index.js';
import { DETAIL_STEPS } from '../../src/collector/slo/detail.js';
import { detailFailures } from '../../src/collector/slo/detail-failures.js';
import { startInTempDir } from '../support/collector.js';

const SCALE = 60;
const MINUTE = 60_000 / SCALE; // one demo minute in real ms
const T0 = 1_800_000_000_000;

/** Verification counters by (outcome, reason, key), as the aggregator would hold them. */
function source(counts: Map<string, number>): SeriesSource {
  return {
    *series(): Iterable<AggregatedSeries> {
      for (const [key, value] of counts) {
        const [outcome, reason, keyId] = key.split('|') as [string, string, string];
        const attributes: Record<string, string> = { 'hmac.scheme': 'stripe', 'hmac.key_id': keyId, 'hmac.outcome': outcome, ...(reason ? { 'error.type': reason } : {}) };
        yield { job: 'payments-api', name: 'hmac.auth.verifications', promName: 'hmac_auth_verifications_total', attributes, kind: 'counter', value };
      }
    },
  };
}

/** A failed span as the collector keeps it (spans.ts), at `t`. */
function failed(t: number, reason: string, keyId: string, outcome = 'rejected', name = 'hmac.verify', job = 'payments-api') {
  return { timeUnixMs: t, job, name, keyId, reason, outcome, traceId: 'ab', spanId: 'cd' };
}

/**
 * Two demo hours, one sample a demo minute: 100 events a minute; 10% signature_mismatch (key k2) in
 * minutes 60–89. The failure log also holds 5 timestamp_skew failures (key k1) at minute 5, a KMS
 * error and another job's failure at minute 100 (not this SLO's).
 */
function drive(opts: { ringSize?: number } = {}): { engine: SloEngine; now: number; log: FailureLog } {
  const log = new FailureLog({ ringSize: opts.ringSize ?? 500 });
  const config = parseConfig({ timeScale: SCALE });
  let now = T0;
  const engine = new SloEngine(config, { now: () => now });
  const counts = new Map<string, number>();
  const add = (key: string, n: number) => counts.set(key, (counts.get(key) ?? 0) + n);
  for (let minute = 0; minute <= 120; minute++) {
    now = T0 + minute * MINUTE;
    if (minute > 0) {
      const bad = minute > 60 && minute <= 90 ? 10 : 0;
      add('accepted||k1', 100 - bad);
      if (bad) add('rejected|signature_mismatch|k2', bad);
      for (let i = 0; i < bad; i++) log.record(failed(now - i, 'signature_mismatch', 'k2'));
      if (minute === 5) for (let i = 0; i < 5; i++) log.record(failed(now, 'timestamp_skew', 'k1'));
      if (minute === 100) {
        log.record(failed(now, 'kms_unavailable', 'k1', 'error', 'hmac.kms.decrypt'));
        log.record(failed(now, 'signature_mismatch', 'k9', 'rejected', 'hmac.verify', 'webhook-receiver'));
      }
    }
    engine.sample(source(counts), now);
  }
  return { engine, now, log };
}

test('detail: a pair whose series had no events has no error ratio, burn rate or budget anywhere (null: no data, not 100 %)', () => {
  const config = parseConfig({ timeScale: SCALE });
  const engine = new SloEngine(config);
  const counts = source(new Map([['accepted||k1', 500]])); // exists, never increases
  for (let minute = 0; minute <= 30; minute++) engine.sample(counts, T0 + minute * MINUTE);
  const detail = engine.detail('payments-api', 'auth-success', '1h', new FailureLog())!;
  const covered = detail.points.filter((p) => p.events !== null);
  assert.ok(covered.length > 50, `${covered.length} steps inside the history`);
  for (const p of covered) {
    assert.equal(p.events, 0);
    assert.deepEqual([p.errorRatio, p.budgetRemaining, ...Object.values(p.burn)], [null, null, ...Object.values(p.burn).map(() => null)]);
  }
  const status = engine.status(T0 + 30 * MINUTE).slos[0]!;
  assert.deepEqual([status.sli, status.errorBudgetRemaining], [null, null]);
});

test('detail: the last point agrees with /api/slo; before the history is null', () => {
  const { engine, now, log } = drive();
  const detail = engine.detail('payments-api', 'auth-success', '6h', log)!;
  const status = engine.status(now).slos.find((s) => s.job === 'payments-api' && s.slo === 'auth-success')!;
  assert.deepEqual(engine.detailRanges(), ['1h', '6h', '1d', '30d']);
  assert.equal(detail.points.length, DETAIL_STEPS);
  assert.equal(detail.to, now);
  assert.equal(detail.historyFrom, T0);
  const last = detail.points.at(-1)!;
  assert.ok(Math.abs(last.budgetRemaining! - status.errorBudgetRemaining!) < 1e-9, `${last.budgetRemaining} vs ${status.errorBudgetRemaining}`);
  for (const w of ['5m', '1h', '6h']) {
    const fromStatus = status.windows.find((x) => x.window === w)!.burnRate ?? 0;
    const shown = last.burn[w] ?? 0;
    assert.ok(Math.abs(shown - fromStatus) < 1e-9, `burn ${w}: ${shown} vs ${fromStatus}`);
  }
  // The 6h range starts 4 demo hours before the history: those steps say nothing.
  const firstWithData = detail.points.findIndex((p) => p.events !== null);
  assert.ok(firstWithData >= 75 && firstWithData <= 81, `first step with data ${firstWithData}`);
  assert.ok(detail.points.slice(0, firstWithData).every((p) => p.budgetRemaining === null && Object.values(p.burn).every((b) => b === null)));
  // Every event lands in exactly one step: the steps add up to the totals.
  const sum = (f: (p: (typeof detail.points)[number]) => number | null) => detail.points.reduce((s, p) => s + (f(p) ?? 0), 0);
  assert.equal(sum((p) => p.events), 12_000);
  assert.equal(sum((p) => p.badEvents), 300);
  // The burn-down: untouched before the incident, spent during it.
  const at = (minute: number) => detail.points.find((p) => p.t >= T0 + minute * MINUTE)!;
  assert.equal(at(55).budgetRemaining, 1);
  assert.ok(at(95).budgetRemaining! < 0);
  assert.ok(at(80).burn['5m']! > 14.4);
  assert.equal(at(119).burn['5m'], 0);
  assert.deepEqual(detail.windows, ['5m', '30m', '1h', '2h', '6h', '1d', '3d']);
  assert.equal(engine.detail('payments-api', 'no-such-slo', '1h', log), undefined);
});

test('detail: the failures by reason and key ID are the SLO\'s failed spans of the job within the selected range', () => {
  const { engine, now, log } = drive();
  const failures = (slo: string, range: string) => engine.detail('payments-api', slo, range, log)!.failures;
  // 6h reaches back before minute 5: the incident and the early timestamp_skew failures.
  assert.deepEqual(failures('auth-success', '6h'), {
    counted: true,
    from: now - 6 * 60 * MINUTE,
    to: now,
    heldFrom: null,
    byReason: [{ reason: 'signature_mismatch', count: 300 }, { reason: 'timestamp_skew', count: 5 }],
    byKey: [{ keyId: 'k2', count: 300 }, { keyId: 'k1', count: 5 }],
  });
  // 1h (minutes 60–120): the incident only. Not the KMS error nor webhook-receiver's failure.
  const lastHour = failures('auth-success', '1h');
  assert.deepEqual([lastHour.from, lastHour.byReason, lastHour.byKey], [now - 60 * MINUTE, [{ reason: 'signature_mismatch', count: 300 }], [{ keyId: 'k2', count: 300 }]]);
  // auth-availability counts errors only; kms-success the KMS spans; a latency SLO has no failed spans.
  assert.deepEqual(failures('auth-availability', '1h').byReason, []);
  const sli = (name: string) => parseConfig({}).slos.find((x) => x.name === name)!.sli;
  assert.deepEqual(detailFailures(sli('kms-success'), log, 'payments-api', lastHour.from, now).byReason, [{ reason: 'kms_unavailable', count: 1 }]);
  assert.deepEqual(detailFailures(sli('verification-latency'), log, 'payments-api', lastHour.from, now), { counted: false, from: lastHour.from, to: now, heldFrom: null, byReason: [], byKey: [] });
});

test('detail: a failure log that dropped older failures says from when it counts (heldFrom)', () => {
  const { engine, now, log } = drive({ ringSize: 50 });
  const f = engine.detail('payments-api', 'auth-success', '6h', log)!.failures;
  // The newest 50: the two failures of minute 100 and 48 of the incident's last minutes.
  assert.equal(f.byReason.reduce((n, r) => n + r.count, 0), 48);
  assert.ok(f.heldFrom !== null && f.heldFrom > T0 + 85 * MINUTE && f.heldFrom < now, String(f.heldFrom));
});

test('detail: the same after a restart (the history is part of the persisted engine state)', () => {
  const { engine, log } = drive();
  const restored = SloEngine.fromJSON(parseConfig({ timeScale: SCALE }), JSON.parse(JSON.stringify(engine.toJSON())));
  for (const range of engine.detailRanges()) {
    assert.deepEqual(restored.detail('payments-api', 'auth-success', range, log), engine.detail('payments-api', 'auth-success', range, log), range);
  }
});

test('GET /api/slo/detail: 400 without job and slo or with another range, 404 for an SLO not tracked; /api/slo names its timeScale', async () => {
  const collector = await startInTempDir({ configYaml: 'timeScale: 30\n' });
  try {
    const get = async (query: string) => {
      const res = await fetch(`${collector.url}/api/slo/detail${query}`);
      return { status: res.status, body: (await res.json()) as { error?: string } };
    };
    assert.equal((await get('?slo=auth-success')).status, 400);
    const badRange = await get('?job=a&slo=auth-success&range=2h');
    assert.deepEqual(badRange, { status: 400, body: { error: 'range must be one of 1h, 6h, 1d, 30d' } });
    assert.equal((await get('?job=a&slo=auth-success&range=30d')).status, 404);
    const slo = (await (await fetch(`${collector.url}/api/slo`)).json()) as { timeScale?: number; grafanaDashboardUrl?: string };
    assert.equal(slo.timeScale, 30);
    assert.equal(slo.grafanaDashboardUrl, undefined, 'no Grafana link unless configured');
  } finally {
    await collector.stop();
  }
});

test('detail: steady traffic gives steady steps over the whole range, also where the history is coarser than a step', () => {
  // 70 demo minutes of 10 events every 10 demo seconds (the default sample period), 1 bad in 10.
  // The 1h range's steps are 30 demo seconds; the history keeps 5 s points for the last 35 minutes
  // and 1 min points before: a step older than that must not read 0 events, then twice as many.
  const config = parseConfig({ timeScale: SCALE });
  let now = T0;
  const engine = new SloEngine(config, { now: () => now });
  const counts = new Map<string, number>();
  for (let i = 0; i <= 70 * 6; i++) {
    now = T0 + (i * MINUTE) / 6;
    if (i > 0) {
      counts.set('accepted||k1', (counts.get('accepted||k1') ?? 0) + 9);
      counts.set('rejected|signature_mismatch|k2', (counts.get('rejected|signature_mismatch|k2') ?? 0) + 1);
    }
    engine.sample(source(counts), now);
  }
  for (const range of ['1h', '6h']) {
    const detail = engine.detail('payments-api', 'auth-success', range, new FailureLog())!;
    // Steps wholly inside the history (the one it starts in is partly before it).
    const withData = detail.points.filter((p) => p.t - detail.stepMs >= detail.historyFrom!);
    assert.ok(withData.length > 0, range);
    const perStep = (10 * detail.stepMs) / (MINUTE / 6);
    const off = withData.filter((p) => Math.abs(p.events! - perStep) > perStep * 0.25 || p.errorRatio === null);
    assert.deepEqual(
      off.map((p) => `${(p.t - now) / MINUTE} min: ${p.events} events`),
      [],
      `${range}: every step holds ~${perStep} events`,
    );
  }
});

test('detail: a scoped SLO counts the failed spans in its scope where spans carry the label (scheme, outcome, reason) and names the labels that do not narrow them', () => {
  const log = new FailureLog({ ringSize: 10 });
  const base = { job: 'payments-api', name: 'hmac.verify', keyId: 'k1', reason: 'signature_mismatch', outcome: 'rejected', traceId: 'a', spanId: 'b' };
  log.record({ ...base, timeUnixMs: T0 + 1, scheme: 'stripe' });
  log.record({ ...base, timeUnixMs: T0 + 2, scheme: 'svix' });
  log.record({ ...base, timeUnixMs: T0 + 3, scheme: 'svix', reason: 'replay' });
  const sli = parseConfig({}).slos.find((x) => x.name === 'auth-success')!.sli;
  const count = (f: ReturnType<typeof detailFailures>) => f.byReason.reduce((n, r) => n + r.count, 0);
  const stripeProd = detailFailures(sli, log, 'payments-api', T0, T0 + 10, { job: ['payments-api'], hmac_scheme: ['stripe'], deployment_environment_name: ['prod'] });
  assert.equal(count(stripeProd), 1, 'only the stripe failure is in the scope');
  assert.deepEqual(stripeProd.notNarrowedBy, ['deployment_environment_name']);
  const notReplay = detailFailures(sli, log, 'payments-api', T0, T0 + 10, { error_type: { notIn: ['replay'] } });
  assert.deepEqual([count(notReplay), notReplay.notNarrowedBy], [2, undefined]);
  assert.equal(count(detailFailures(sli, log, 'payments-api', T0, T0 + 10)), 3, 'no scope: all of them');
});

test('detail: a scope on the key ID narrows the failed spans too (they carry it), as it narrows the counters', () => {
  const log = new FailureLog({ ringSize: 10 });
  const base = { job: 'payments-api', name: 'hmac.verify', reason: 'signature_mismatch', outcome: 'rejected', traceId: 'a', spanId: 'b', scheme: 'stripe' };
  log.record({ ...base, timeUnixMs: T0 + 1, keyId: 'k1' });
  log.record({ ...base, timeUnixMs: T0 + 2, keyId: 'k-load-test' });
  log.record({ ...base, timeUnixMs: T0 + 3, keyId: 'k-load-test' });
  // The scope passes the loader: hmac_key_id is a label of the verification counters.
  const config = parseConfig({ slos: [{ name: 'real-clients', sli: { kind: 'ratio', source: 'verifications', badOutcomes: ['rejected', 'error'] }, objective: 0.99, scope: { hmac_key_id: { notIn: ['k-load-test'] } } }] });
  const slo = config.slos.find((x) => x.name === 'real-clients')!;
  const f = detailFailures(slo.sli, log, 'payments-api', T0, T0 + 10, slo.scope);
  assert.deepEqual([f.byKey, f.notNarrowedBy], [[{ keyId: 'k1', count: 1 }], undefined]);
  const only = detailFailures(slo.sli, log, 'payments-api', T0, T0 + 10, { hmac_key_id: ['k-load-test'] });
  assert.deepEqual(only.byKey, [{ keyId: 'k-load-test', count: 2 }]);
});

test('detail: a job with a long name (the aggregator takes up to maxLabelValueBytes, 1 KiB) finds its failures, which the log holds under the name cut to 256 characters, and never throws', () => {
  const sli = parseConfig({}).slos.find((x) => x.name === 'auth-success')!.sli;
  for (const length of [300, 700]) {
    const job = `ns-${'x'.repeat(length)}/api`;
    const log = new FailureLog({ ringSize: 10 });
    log.record(failed(T0 + 1, 'signature_mismatch', 'k1', 'rejected', 'hmac.verify', job));
    log.record(failed(T0 + 2, 'signature_mismatch', 'k1', 'rejected', 'hmac.verify', 'payments-api'));
    const f = detailFailures(sli, log, job, T0, T0 + 10);
    assert.deepEqual(f.byReason, [{ reason: 'signature_mismatch', count: 1 }], `a ${job.length}-character job`);
  }
});
