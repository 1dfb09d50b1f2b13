/**
 * The whole stack, end to end, on real processes (see stack.ts): the demo's services push OTLP to two
 * collectors, Prometheus scrapes them (configured from deploy/prometheus/prometheus.yml) and evaluates
 * the generated rules, Alertmanager (deploy/alertmanager/alertmanager.yml) routes to a webhook receiver
 * in this test. One compressed timeline — steady traffic, then a mismatch storm, a replay burst, a
 * revoked key and a KMS outage — with collector A SIGKILLed and restarted mid-run. Then:
 *   a) every dashboard panel query returns data;
 *   b) each failure mode reaches the receiver as its alert (severity, labels, receiver); steady: none;
 *   c) the collectors' /api/slo and Prometheus's recording rules agree within a bound worked out from
 *      the raw samples (slo-agreement.ts);
 *   d) after the SIGKILL and restart, the collectors' totals equal what the services counted;
 *   e) across the two collectors, Prometheus's sums equal the services' totals, and the rules' error
 *      ratio over the whole run matches the totals;
 *   f) a scoped SLO (payments-prod: job payments-api, its own objective) is recorded for its job only,
 *      one whose scope nothing reports (eu-payments) records nothing and is "no data" in /api/slo.
 *   g) the rotation-lag scenario's half-rotated client reaches Prometheus as signed_with_other_key,
 *      naming the retiring key;
 *   h) the scoped SLO's burn alert fires in Prometheus and reaches the receiver with its labels during
 *      a failure phase, for its job only; the SLO without traffic fires none.
 * Logs of every process: test-output/e2e/.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { durationSeconds, parseConfig } from '../../src/config/index.js';
import { DEFAULT_SLOS } from '../../src/config/schema.js';
import type { SloApiResponse } from '../../src/collector/model.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OUTPUT_DIR, waitFor } from '../support/processes.js';
import { dashboardQueries } from '../mixin/dashboard-queries.js';
import { kmsTiming } from './demo-starved.js';
import { ratioTolerance, uncertainty } from './slo-agreement.js';
import { Stack, type Totals } from './stack.js';

const SPEED = 80;
const INTERVAL = 1;
// The default SLOs, plus a scoped one and one whose scope nothing reports (docs/slo.md "Scoped SLOs").
// Scoped on job only: test (c) works out its uncertainty from the job's raw series.
const SLOS = [
  ...DEFAULT_SLOS,
  { name: 'payments-prod', sli: { kind: 'ratio', source: 'verifications', badOutcomes: ['rejected', 'error'] }, objective: 0.99, scope: { job: ['payments-api'] } },
  { name: 'eu-payments', sli: { kind: 'ratio', source: 'verifications', badOutcomes: ['rejected', 'error'] }, objective: 0.999, scope: { deployment_environment_name: ['eu'] } },
];
// Collector A's SIGKILL and restart must stay within the pusher TTL (15m / SPEED = 11 s by default),
// or its pushers come back forgotten and, as documented, their increase meanwhile is lost: on a busy
// machine the restart alone took that long (d counted 65 events fewer). 2h / SPEED = 90 s.
const COLLECTOR = { pusherTtl: '2h' };
const SCENARIOS = (process.env.E2E_SCENARIOS ?? 'steady,canonicalization,replay,revoked-key,kms-outage,proxy-body,canary,rotation-lag').split(',');
// rotation-lag last, stopped halfway through its first step (rotation-lag:rotating, 4.5 s at this
// speed): that step is where the half-rotated billing-worker signs with the retiring key
// (signed_with_other_key). The rest — its second step (the retiring key revoked: revoked_key) and the
// closing recovery — would add 17 s and is test/demo/demo-scenarios.test.ts's.
const ROTATION_STOP = SCENARIOS.at(-1) === 'rotation-lag' ? { phase: 'rotation-lag:rotating', at: 0.5 } : undefined;
const stack = new Stack({
  speed: SPEED,
  scenarios: SCENARIOS,
  // The demo's timeline for this list: 0 steady (7.5 s at this speed), 1 canonicalization, 2 steady,
  // 3 replay, 4 steady, 5 revoked-key, 6 steady, 7 kms-outage:slowdown, 8 kms-outage:outage, 9 steady,
  // 10 proxy-body, 11 steady, 12 canary, 13 steady, 14 rotation-lag:rotating (stopped halfway). Collector A is killed in the opening steady phase,
  // so it restarts before the first failure mode and the steady phase must stay quiet through the
  // outage too.
  killDuringPhase: 0,
  killAt: 0.35,
  stopDuringPhase: ROTATION_STOP,
  // The demo's services in order: payments-api, its canary, webhook-receiver, then the signing
  // clients checkout-service, billing-worker, webhook-sender. A,B,B puts payments-api on A and its
  // canary on B — one job split across two collectors — and webhook-receiver on B.
  pushTo: [0, 1, 1],
  interval: INTERVAL,
  demoTimeoutMs: 140_000,
  config: { slos: SLOS, collector: COLLECTOR },
});
const config = parseConfig({ timeScale: SPEED, slos: SLOS, collector: COLLECTOR });

/** `<outcome>/<error_type or ok>` → count per job, as the totals file keys them. */
function byJobOutcome(rows: { job: string; outcome: string; reason?: string; value: number }[]): Totals['verifications'] {
  const out: Totals['verifications'] = {};
  for (const r of rows) {
    if (r.value === 0) continue;
    const key = `${r.outcome}/${r.reason || 'ok'}`;
    (out[r.job] ??= {})[key] = ((out[r.job] ??= {})[key] ?? 0) + r.value;
  }
  return out;
}

async function prometheusVerificationTotals(): Promise<Totals['verifications']> {
  const rows = await stack.prometheus.query('sum by (job, hmac_outcome, error_type) (hmac_auth_verifications_total)');
  return sortTotals(byJobOutcome(rows.map((r) => ({ job: r.metric.job!, outcome: r.metric.hmac_outcome!, reason: r.metric.error_type, value: r.value }))));
}

describe('the whole stack: demo → collectors → Prometheus → Alertmanager', { timeout: 300_000 }, () => {
  let totals: Totals;

  before(async () => {
    const t0 = Date.now();
    await stack.start();
    const t1 = Date.now();
    await stack.runDemo();
    const t2 = Date.now();
    totals = stack.totals();
    // Until Prometheus has scraped the collectors after the demo's final export.
    await waitFor('Prometheus to hold the final totals', async () => JSON.stringify(await prometheusVerificationTotals()) === JSON.stringify(sortTotals(totals.verifications)), 15_000, 250).catch(() => undefined);
    await sleep(INTERVAL * 1000 + 200); // one more rule evaluation on those samples
    console.log(`# stack started in ${t1 - t0} ms, demo ran ${t2 - t1} ms, settled in ${Date.now() - t2} ms`);
    // Start-up alone took 53 s on a busy 2-core machine (tsx compiling for each process), the demo
    // its 111 s timeline and more: the deadline leaves room for both.
  }, { timeout: 270_000 });

  after(async () => {
    await stack.stop();
  });

  it('runs the demo to its end (exit 0) through every phase, with collector A killed and restarted', () => {
    assert.deepEqual(stack.demoExit, { code: 0, signal: null }, stack.demo.output().slice(-2000));
    for (const s of SCENARIOS) assert.ok(stack.phases.some((p) => p.scenario === s), `scenario ${s} ran`);
    assert.ok(stack.killedAt > stack.demoStartedAt && stack.restartedAt < stack.demoEndedAt, 'the kill and restart happened while the demo ran');
  });

  it('c) the collectors\' /api/slo burn rates agree with the recording rules within the stated bound', async () => {
    // A job split across collectors (payments-api and its canary) has a share in each one's /api/slo:
    // ratios do not add, but the windows' event counts do, so add those and divide.
    const combined = new Map<string, { job: string; slo: string; objective: number; onA: boolean; windows: Map<string, { events: number; badEvents: number }> }>();
    const tc = Date.now() / 1000;
    for (const [ci, collector] of stack.collectors.entries()) {
      for (const s of await collector.slo()) {
        const key = `${s.job}\u0000${s.slo}`;
        const entry = combined.get(key) ?? { job: s.job, slo: s.slo, objective: s.objective, onA: false, windows: new Map() };
        combined.set(key, entry);
        entry.onA ||= ci === 0;
        for (const w of s.windows) {
          const acc = entry.windows.get(w.window) ?? { events: 0, badEvents: 0 };
          entry.windows.set(w.window, { events: acc.events + w.events, badEvents: acc.badEvents + w.badEvents });
        }
      }
    }
    const rows: string[] = [];
    const dump: unknown[] = [];
    let significant = 0;
    // Collector A's outage: from its last snapshot (at most 2 s before the kill) to its restart.
    const killGap: [number, number] = [(stack.killedAt - 2500) / 1000, (stack.restartedAt + 500) / 1000];
    try {
      for (const e of combined.values()) {
        const slo = config.slos.find((x) => x.name === e.slo)!;
        const budget = 1 - e.objective;
        for (const window of ['30m', '1h', '2h', '6h']) {
          const w = e.windows.get(window)!;
          const ratioC = w.events > 0 ? w.badEvents / w.events : 0;
          const sel = `{job=${JSON.stringify(e.job)},slo="${e.slo}",window="${window}"}`;
          const [ratio] = await stack.prometheus.query(`job_slo:hmac_slo_error:ratio${sel}`);
          const [burn] = await stack.prometheus.query(`job_slo:hmac_slo_error_budget:burn_rate${sel}`);
          const [stamp] = await stack.prometheus.query(`timestamp(job_slo:hmac_slo_error:ratio${sel})`);
          // No events in the window: no data on both sides (docs/slo.md "No traffic is no data").
          if (!ratio && !burn && w.events === 0) {
            rows.push(`${e.job} ${e.slo} ${window}: no events, no data on both sides`);
            continue;
          }
          assert.ok(ratio && burn && stamp, `Prometheus has no recorded job_slo:hmac_slo_error:ratio${sel} (collectors: ${w.badEvents}/${w.events})`);
          const W = durationSeconds(window) / SPEED;
          const te = stamp.value;
          // The collector starts a window at its stored sample at or before the window start: 5 s
          // resolution up to 35 min back, 1 min up to 6 h, both divided by the time scale.
          const resolution = (W <= (35 * 60) / SPEED ? 5 : 60) / SPEED;
          let edge: [number, number] = [Math.min(te, tc) - W - INTERVAL - resolution, Math.max(te, tc) - W + INTERVAL];
          if (e.onA && edge[0] <= killGap[1] && killGap[0] <= edge[1]) edge = [Math.min(edge[0], killGap[0]), Math.max(edge[1], killGap[1])];
          const u = await uncertainty(stack.prometheus, slo, e.job, te, stack.startedAt / 1000, te - W, edge);
          const tol = ratioTolerance(ratioC, w.events, u, W, INTERVAL);
          const burnC = ratioC / budget;
          rows.push(`${e.job} ${e.slo} ${window}: collectors burn ${burnC.toFixed(3)} (${w.badEvents}/${w.events}), rules ${burn.value.toFixed(3)}, bound ±${(tol / budget).toFixed(3)} (U bad ${u.bad}, total ${u.total})`);
          dump.push({ job: e.job, slo: e.slo, window, te, tc, edge, u, collectors: w, rules: { ratio: ratio.value, burn: burn.value } });
          assert.ok(Math.abs(ratioC - ratio.value) <= tol, `${e.job} ${e.slo} ${window}: error ratio collectors ${ratioC} vs rules ${ratio.value}, bound ${tol}\n${rows.join('\n')}`);
          assert.ok(Math.abs(burnC - burn.value) <= tol / budget + 1e-6, `${e.job} ${e.slo} ${window}: burn collectors ${burnC} vs rules ${burn.value}`);
          if (burnC > 1) significant++;
        }
      }
    } finally {
      writeFileSync(join(OUTPUT_DIR, 'slo-agreement.json'), JSON.stringify({ killedAt: stack.killedAt, restartedAt: stack.restartedAt, rows, dump }, null, 1));
    }
    console.log(`# SLO agreement (speed ${SPEED}, windows scaled):\n# ${rows.join('\n# ')}`);
    assert.ok(significant >= 4, `the timeline should burn budget in several windows; compared:\n${rows.join('\n')}`);
  });

  it('d) after SIGKILL and restart, the collectors\' totals equal what the services counted', async () => {
    const rows: { job: string; outcome: string; reason?: string; value: number }[] = [];
    const jobsOf: string[][] = [];
    for (const c of stack.collectors) {
      const jobs = new Set<string>();
      for (const [key, value] of await c.metrics()) {
        const m = /^hmac_auth_verifications_total\{(.*)\}$/.exec(key);
        if (!m) continue;
        const labels = Object.fromEntries(m[1]!.split(',').map((kv) => kv.split('=') as [string, string]));
        jobs.add(labels.job!);
        rows.push({ job: labels.job!, outcome: labels.hmac_outcome!, reason: labels.error_type, value });
      }
      jobsOf.push([...jobs]);
    }
    assert.deepEqual(sortTotals(byJobOutcome(rows)), sortTotals(totals.verifications));
    assert.ok(jobsOf[0]!.includes('payments-api'), `the killed collector A held payments-api (A: ${jobsOf[0]}, B: ${jobsOf[1]})`);
  });

  it('e) with two collectors, Prometheus\'s sums and the recording rules match the services\' totals', async () => {
    assert.deepEqual(await prometheusVerificationTotals(), sortTotals(totals.verifications));
    // payments-api is split: its main instance pushes to A, its canary to B.
    const instances = await stack.prometheus.query('count by (instance) (hmac_auth_verifications_total{job="payments-api"})');
    assert.equal(instances.length, 2, 'payments-api series from both collectors');
    // One copy of each SLO series: the rules' (the collectors export none, and nothing is dropped at scrape).
    assert.deepEqual(await stack.prometheus.query('count by (job, slo, window) (job_slo:hmac_slo_error_budget:burn_rate) > 1'), []);
    assert.deepEqual(await stack.prometheus.query('job_slo:hmac_slo_error_budget:burn_rate{instance!=""}'), []);

    // The rules' auth-success error ratio over a window covering the whole run, against the totals.
    const runSec = (Date.now() - stack.startedAt) / 1000;
    const window = ['5m', '30m', '1h', '2h', '6h'].find((w) => durationSeconds(w) / SPEED > runSec + 5);
    assert.ok(window, `no window up to 6h covers the ${runSec} s run at speed ${SPEED}`);
    const slo = config.slos.find((s) => s.name === 'auth-success')!;
    for (const [job, counts] of Object.entries(totals.verifications)) {
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      const bad = Object.entries(counts).filter(([k]) => !k.startsWith('accepted/')).reduce((a, [, v]) => a + v, 0);
      const sel = `{job=${JSON.stringify(job)},slo="auth-success",window="${window}"}`;
      const [ratio] = await stack.prometheus.query(`job_slo:hmac_slo_error:ratio${sel}`);
      const [stamp] = await stack.prometheus.query(`timestamp(job_slo:hmac_slo_error:ratio${sel})`);
      assert.ok(ratio && stamp, `no job_slo:hmac_slo_error:ratio${sel}`);
      const W = durationSeconds(window) / SPEED;
      const u = await uncertainty(stack.prometheus, slo, job, stamp.value, stack.startedAt / 1000, stamp.value - W, [stamp.value - W, stamp.value - W]);
      const tol = ratioTolerance(bad / total, total, u, W, INTERVAL);
      console.log(`# ${job} auth-success over the run (${window}): services ${bad}/${total} = ${(bad / total).toFixed(5)}, rules ${ratio.value.toFixed(5)}, bound ±${tol.toFixed(5)}`);
      assert.ok(Math.abs(bad / total - ratio.value) <= tol, `${job}: services' ratio ${bad / total} vs rules ${ratio.value} (bound ${tol})`);
    }
  });

  it('a) every PromQL query of every generated dashboard panel returns data', async () => {
    // The committed dashboards (default config) and the ones rendered with the rules for this run's
    // time scale, variables substituted as Grafana does with "All" selected; each query run as a range
    // query over the whole run (what a dashboard showing the run's time range asks for).
    const start = stack.startedAt / 1000;
    const end = Date.now() / 1000;
    const sets = [
      { name: 'dashboards/generated', queries: dashboardQueries({ rateInterval: '1m', range: '1h' }) },
      { name: `rendered with --time-scale ${SPEED}`, queries: dashboardQueries({ dir: join(stack.dir, 'generated', 'dashboards'), rateInterval: '5s', range: '2m' }) },
    ];
    // Panels the demo cannot fill, each with what is missing (reported to the demo's owner). Listed
    // loudly rather than skipped: the test fails if one of them starts returning data, so the entry
    // gets removed.
    const notProducedByDemo: Record<string, string> = {};
    const empty: string[] = [];
    const unexpectedlyFilled: string[] = [];
    let checked = 0;
    for (const set of sets) {
      assert.ok(set.queries.length >= 40, `${set.name}: the dashboards' queries`);
      for (const q of set.queries) {
        // Both documented "may be empty" cases have data here: alerts fired, and a canary ran.
        const points = await stack.prometheus.rangeHasData(q.promql, start, end, INTERVAL);
        checked++;
        const known = notProducedByDemo[q.panelTitle];
        if (points === 0 && !known) empty.push(`${set.name}: ${q.uid} / ${q.panelTitle} [${q.refId}]: ${q.promql}`);
        if (points > 0 && known) unexpectedlyFilled.push(q.panelTitle);
      }
    }
    assert.deepEqual(empty, [], `panel queries without data (${empty.length} of ${checked}):\n${empty.join('\n')}`);
    assert.deepEqual(unexpectedlyFilled, [], 'these panels now get data from the demo: remove them from notProducedByDemo');
    for (const [panel, why] of Object.entries(notProducedByDemo)) console.log(`# not checked: ${panel}: ${why}`);
  });

  it('the demo\'s canonicalization, proxy-body and canary scenarios reach Prometheus as their failure causes', async () => {
    const rows = await stack.prometheus.query('sum by (job, deployment_track, hmac_failure_cause) (hmac_auth_failure_causes_total) > 0');
    const seen = new Set(rows.map((r) => `${r.metric.job}${r.metric.deployment_track ? `[${r.metric.deployment_track}]` : ''}/${r.metric.hmac_failure_cause}`));
    const expected: Record<string, string[]> = {
      // the new signing library rewrites Content-Type after signing; the signers send component digests
      canonicalization: ['payments-api/header_changed', 'webhook-receiver/header_changed'],
      // the edge proxy re-serialises pretty-printed JSON: the body digest matches once that is undone
      'proxy-body': ['webhook-receiver/body_reserialized'],
      // the canary's router lower-cases the path before authentication
      canary: ['payments-api[canary]/path_changed'],
    };
    for (const [scenario, causes] of Object.entries(expected)) {
      if (!SCENARIOS.includes(scenario)) continue;
      for (const c of causes) assert.ok(seen.has(c), `${scenario}: ${c} in hmac_auth_failure_causes_total (seen: ${[...seen].join(' ')})`);
    }
  });

  it('every generated rule evaluates without error in Prometheus', async () => {
    const groups = await stack.prometheus.rules();
    assert.ok(groups.length > 0);
    assert.deepEqual(await stack.prometheus.ruleProblems(), []);
  });

  it('b) each failure mode reaches the webhook receiver as its alert; the steady phase as none', async () => {
    const revokedKeys = new Set((await stack.prometheus.query('hmac_key_info{hmac_key_status="revoked"}')).map((s) => s.metric.hmac_key_id!));
    const jobs = new Set(Object.keys(totals.verifications));
    const expected: Record<string, { receiver: string; what: string; match: (l: Record<string, string>) => boolean }> = {
      canonicalization: {
        receiver: 'page',
        what: 'a page (critical): mismatch spike in several jobs, or the auth-success fast burn',
        match: (l) => l.severity === 'critical' && (l.alertname === 'HmacAuthSignatureMismatchSpike' || (l.alertname === 'HmacAuthErrorBudgetBurn' && l.slo === 'auth-success')),
      },
      replay: {
        receiver: 'ticket',
        what: 'HmacAuthReplayDetected (warning, category=security)',
        match: (l) => l.alertname === 'HmacAuthReplayDetected' && l.severity === 'warning' && l.category === 'security',
      },
      'revoked-key': {
        receiver: 'security-page',
        what: 'HmacAuthRevokedKeyPresented (critical, team=security) naming a revoked key',
        match: (l) => l.alertname === 'HmacAuthRevokedKeyPresented' && l.severity === 'critical' && l.team === 'security' && revokedKeys.has(l.hmac_key_id!),
      },
      'kms-outage': {
        receiver: 'ticket',
        what: 'HmacAuthKmsErrorRatioHigh or HmacAuthKmsLatencyHigh (warning)',
        match: (l) => /^HmacAuthKms(ErrorRatio|Latency)High$/.test(l.alertname!) && l.severity === 'warning',
      },
      'proxy-body': {
        receiver: 'ticket',
        what: 'HmacAuthDigestMismatch (warning)',
        match: (l) => l.alertname === 'HmacAuthDigestMismatch' && l.severity === 'warning',
      },
      canary: {
        receiver: 'ticket',
        what: 'HmacAuthCanaryFailuresElevated (warning)',
        match: (l) => l.alertname === 'HmacAuthCanaryFailuresElevated' && l.severity === 'warning',
      },
    };
    for (const name of Object.keys(expected)) if (!SCENARIOS.includes(name)) delete expected[name];
    const grace = 15_000;
    // The last failure phase's alert may still be on its way.
    const last = expected[SCENARIOS.at(-1)!];
    if (last) await waitFor('the last failure mode\'s alert', () => stack.webhook.firing().some((a) => last.match(a.labels)), grace).catch(() => undefined);
    const summary = stack.webhook.firing().map((a) => `${new Date(a.receivedAt).toISOString()} ${a.receiver} ${JSON.stringify(a.labels)}`);
    const phases = stack.phases.map((p) => `${new Date(p.at).toISOString()} #${p.index} ${p.phase} (${p.scenario}) ${p.durationMs} ms`);
    const context = `\nphases:\n${phases.join('\n')}\nreceived:\n${summary.join('\n')}`;

    for (const [scenario, e] of Object.entries(expected)) {
      const phase = stack.failurePhase(scenario);
      assert.ok(phase, `phase ${scenario} ran`);
      const hits = stack.webhook.firing().filter((a) => a.receiver === e.receiver && e.match(a.labels) && jobs.has(a.labels.job!));
      assert.ok(hits.length > 0, `${scenario}: expected ${e.what} at receiver ${e.receiver}${context}`);
      const first = Math.min(...hits.map((a) => a.receivedAt));
      assert.ok(first >= phase.start, `${scenario}: ${e.what} arrived before the phase began${context}`);
      assert.ok(first <= phase.end + grace, `${scenario}: ${e.what} arrived more than ${grace} ms after the phase ended${context}`);
    }

    const firstFailure = Math.min(...Object.keys(expected).map((s) => stack.failurePhase(s)!.start));
    const early = stack.webhook.firing().filter((a) => a.receivedAt < firstFailure || Date.parse(a.startsAt) < firstFailure);
    // The steady phase fires nothing. One exception, and only with proof: a verification-latency
    // ticket when the demo was short of CPU (its healthy KMS measured slow, demo-starved.ts), as
    // happens on a busy machine; a latency page, or a ticket while the demo ran on time, still fails.
    const kms = await kmsTiming(stack.prometheus, firstFailure / 1000);
    const latencyTicket = (l: Record<string, string>) => l.alertname === 'HmacAuthErrorBudgetBurn' && l.slo === 'verification-latency' && l.severity === 'warning';
    const unexcused = early.filter((a) => !(kms.starved && latencyTicket(a.labels)));
    console.log(`# steady phase: ${kms.slow} of ${kms.calls} healthy KMS calls over 30 ms (the demo ${kms.starved ? 'was' : 'was not'} short of CPU); ${early.length - unexcused.length} verification-latency ticket(s) excused`);
    assert.deepEqual(unexcused.map((a) => a.labels), [], `alerts during the steady phase (healthy KMS calls over 30 ms: ${kms.slow} of ${kms.calls})${context}`);
  });

  it('f) a scoped SLO is recorded for its scope only, and an SLO whose scope has no traffic is no data', async () => {
    const jobsOf = async (expr: string) => [...new Set((await stack.prometheus.query(expr)).map((r) => r.metric.job))].sort();
    assert.deepEqual(await jobsOf('job_slo:hmac_slo_error:ratio{slo="payments-prod"}'), ['payments-api']);
    assert.deepEqual(await jobsOf('job_slo:hmac_slo_error_budget:remaining{slo="payments-prod"}'), ['payments-api']);
    assert.ok((await jobsOf('job_slo:hmac_slo_error:ratio{slo="auth-success"}')).length > 1, 'the unscoped SLO covers every job');
    assert.deepEqual((await stack.prometheus.query('slo:hmac_slo_objective:ratio{slo="payments-prod"}')).map((r) => r.value), [0.99]);
    assert.deepEqual(await stack.prometheus.query('{__name__=~"job_slo:.*",slo="eu-payments"}'), [], 'no data: no series at all');
    for (const collector of stack.collectors) {
      const api = (await (await fetch(`${collector.url}/api/slo`)).json()) as SloApiResponse;
      const scoped = api.slos.filter((s) => s.slo === 'payments-prod');
      assert.ok(scoped.every((s) => s.job === 'payments-api' && s.objective === 0.99 && s.scope?.job), JSON.stringify(scoped));
      assert.deepEqual(api.slos.filter((s) => s.slo === 'eu-payments'), []);
      const noData = api.noData?.map((s) => s.slo) ?? [];
      assert.ok(noData.includes('eu-payments') && !noData.includes('payments-prod'), `${collector.url}: ${noData}`);
    }
    // payments-api pushes to collector A: it holds the scoped SLO's pair.
    assert.ok((await stack.collectors[0]!.slo()).some((s) => s.slo === 'payments-prod'));
  });

  it('g) the rotation-lag scenario reaches Prometheus as signed_with_other_key, naming the retiring key', { skip: !ROTATION_STOP }, async () => {
    // The key payments signed with before the rotation (the demo's start line): retiring from the
    // rotation's first step on, where the demo was stopped.
    const line = stack.demo.output().split('\n').find((l) => l.startsWith('{"msg":"demo started"'));
    const retiring = line && (JSON.parse(line) as { keyIds?: { payments: { current: string } } }).keyIds?.payments.current;
    assert.ok(retiring, 'the demo names its payments key');
    assert.equal(stack.phases.at(-1)?.phase, ROTATION_STOP!.phase, 'the demo was stopped in the rotation\'s first step');
    const range = `${Math.ceil((Date.now() - stack.startedAt) / 1000)}s`;
    const info = await stack.prometheus.query(`max by (hmac_key_id) (last_over_time(hmac_key_info{job="payments-api",hmac_key_status="retiring"}[${range}]))`);
    assert.deepEqual(info.map((r) => r.metric.hmac_key_id), [retiring], 'Prometheus saw the old key retiring, and no other');
    const [other] = await stack.prometheus.query(`sum(hmac_auth_failure_causes_total{job="payments-api",hmac_failure_cause="signed_with_other_key",hmac_key_id=${JSON.stringify(retiring)}})`);
    assert.ok(other && other.value > 0, `signed_with_other_key naming ${retiring} on payments-api`);
    // Only the rotation produces the cause, and only with the key that matched: the retiring one.
    const rows = await stack.prometheus.query('sum by (job, hmac_key_id) (hmac_auth_failure_causes_total{hmac_failure_cause="signed_with_other_key"}) > 0');
    assert.deepEqual(rows.map((r) => `${r.metric.job} ${r.metric.hmac_key_id}`), [`payments-api ${retiring}`]);
  });

  it('h) the scoped SLO\'s burn alert fires in Prometheus and reaches the receiver with its labels, for its scope only', async () => {
    const alertname = `${config.alerting.alertPrefix}ErrorBudgetBurn`;
    const range = `${Math.ceil((Date.now() - stack.startedAt) / 1000)}s`;
    // Every burn alert Prometheus had firing during the run, by job and SLO.
    const firedIn = async (slo: string) =>
      (await stack.prometheus.query(`max by (job, severity, long_window, short_window) (max_over_time(ALERTS{alertname="${alertname}",alertstate="firing",slo="${slo}"}[${range}]))`)).map((r) => r.metric);
    const scoped = await firedIn('payments-prod');
    assert.ok(scoped.length > 0, 'a payments-prod burn alert fired in Prometheus');
    assert.deepEqual([...new Set(scoped.map((l) => l.job))], ['payments-api'], 'payments-prod fires for the job in its scope only');
    // The same failures burned the unscoped SLO on webhook-receiver, which payments-prod's scope leaves out.
    assert.ok((await firedIn('auth-success')).some((l) => l.job === 'webhook-receiver'), 'auth-success fired for webhook-receiver');
    assert.deepEqual(await firedIn('eu-payments'), [], 'the SLO whose scope has no traffic fires nothing');

    // At the Alertmanager receiver: the SLO's labels, routed by severity (no blast-radius split for this SLO).
    const received = stack.webhook.firing().filter((a) => a.labels.alertname === alertname && a.labels.slo === 'payments-prod');
    const summary = received.map((a) => `${new Date(a.receivedAt).toISOString()} ${a.receiver} ${JSON.stringify(a.labels)}`).join('\n');
    assert.ok(received.length > 0, 'a payments-prod burn alert at the receiver');
    for (const a of received) {
      assert.equal(a.labels.job, 'payments-api', summary);
      assert.equal(a.receiver, a.labels.severity === 'critical' ? 'page' : 'ticket', summary);
      assert.ok(config.alerting.burnRate.some((b) => b.severity === a.labels.severity && b.long === a.labels.long_window && b.short === a.labels.short_window), `a configured burn-rate alert: ${summary}`);
    }
    assert.deepEqual(stack.webhook.firing().filter((a) => a.labels.slo === 'eu-payments'), []);
    // It started during (or within the grace after) a failure phase that fails payments-api's calls.
    const grace = 15_000;
    const firstAt = Math.min(...received.map((a) => Date.parse(a.startsAt)));
    const burning = SCENARIOS.filter((s) => s !== 'steady' && s !== 'proxy-body').map((s) => ({ s, p: stack.failurePhase(s) }));
    const during = burning.find(({ p }) => p && p.start <= firstAt && firstAt <= p.end + grace);
    const phases = stack.phases.map((p) => `${new Date(p.at).toISOString()} ${p.phase}`).join('\n');
    assert.ok(during, `payments-prod's first burn alert (${new Date(firstAt).toISOString()}) started outside payments-api's failure phases:\n${phases}\n${summary}`);
    console.log(`# payments-prod burn alert: first started during ${during.s}; received ${received.length}: ${[...new Set(received.map((a) => `${a.receiver}/${a.labels.severity}/${a.labels.long_window}`))].join(' ')}`);
  });
});

function sortTotals(t: Totals['verifications']): Totals['verifications'] {
  return Object.fromEntries(
    Object.entries(t)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([job, counts]) => [job, Object.fromEntries(Object.entries(counts).filter(([, v]) => v !== 0).sort(([a], [b]) => a.localeCompare(b)))]),
  );
}
