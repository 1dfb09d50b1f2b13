/**
 * The collector's SLO numbers against Prometheus's: the same cumulative counters are fed to the
 * SloEngine and, through the real `promtool test rules`, to the committed generated recording rules
 * (alerts/generated/rules.yaml, default config). promtool prints what the rules computed when a test
 * expects nothing, so the test reads Prometheus's values from that output and compares them with the
 * engine's within the tolerance docs/slo.md states. A second run does the same for scoped SLOs, with
 * rules rendered from the same config as the engine's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DURATION_BUCKETS_SECONDS } from '@hmac-slo/instrumentation/contract';
import { parseConfig } from '../../src/config/load.js';
import type { AggregatedSeries, SloApiResponse } from '../../src/collector/model.js';
import { SloEngine } from '../../src/collector/slo/index.js';
import { renderFiles, writeFiles } from '../../src/generate/render.js';

const RULES = resolve('alerts/generated/rules.yaml');
const PROMTOOL = '/usr/bin/promtool';
const MINUTES = 180;

/** Events per minute `m` (0-based) of each stream: clean, then a mismatch storm, then KMS errors. */
function perMinute(m: number) {
  return {
    accepted: m < 120 ? 100 : 200,
    mismatch: m < 120 ? 1 : m < 150 ? 12 : 2,
    kmsTimeout: m < 150 ? 0 : 5,
    fast: m < 100 ? 95 : 80, // verifications within 30 ms
    slow: m < 100 ? 5 : 20,
    kmsOk: 50,
    kmsErr: m % 30 === 0 ? 1 : 0,
  };
}

type Stream = keyof ReturnType<typeof perMinute>;
type Minute = ReturnType<typeof perMinute>;

/** [bad, total] events of one minute for each default SLO, as its definition in docs/slo.md reads. */
const SLIS: Record<string, (m: Minute) => [number, number]> = {
  'auth-success': (m) => [m.mismatch + m.kmsTimeout, m.accepted + m.mismatch + m.kmsTimeout],
  'auth-availability': (m) => [m.kmsTimeout, m.accepted + m.mismatch + m.kmsTimeout],
  'verification-latency': (m) => [m.slow, m.fast + m.slow],
  'kms-success': (m) => [m.kmsErr, m.kmsOk + m.kmsErr],
};
/** Cumulative value of every stream at each minute 0..MINUTES (the first point is 0). */
function cumulative(): Record<Stream, number[]> {
  const out = {} as Record<Stream, number[]>;
  for (const k of Object.keys(perMinute(0)) as Stream[]) {
    const values = [0];
    for (let m = 0; m < MINUTES; m++) values.push(values[m]! + perMinute(m)[k]);
    out[k] = values;
  }
  return out;
}

function aggregated(c: Record<Stream, number[]>, i: number, job = 'api'): AggregatedSeries[] {
  const v = (outcome: string, value: number, reason?: string): AggregatedSeries => ({
    job,
    name: 'hmac.auth.verifications',
    promName: 'hmac_auth_verifications_total',
    attributes: { 'hmac.outcome': outcome, ...(reason ? { 'error.type': reason } : {}) },
    kind: 'counter',
    value,
  });
  const bounds = [...DURATION_BUCKETS_SECONDS];
  const counts = new Array<number>(bounds.length + 1).fill(0);
  counts[bounds.indexOf(0.01)] = c.fast[i]!;
  counts[bounds.indexOf(0.05)] = c.slow[i]!;
  const count = c.fast[i]! + c.slow[i]!;
  const kms = (outcome: string, value: number): AggregatedSeries => ({
    job,
    name: 'hmac.kms.operations',
    promName: 'hmac_kms_operations_total',
    attributes: { 'hmac.outcome': outcome },
    kind: 'counter',
    value,
  });
  return [
    v('accepted', c.accepted[i]!),
    v('rejected', c.mismatch[i]!, 'signature_mismatch'),
    v('error', c.kmsTimeout[i]!, 'kms_timeout'),
    {
      job,
      name: 'hmac.auth.verification.duration',
      promName: 'hmac_auth_verification_duration_seconds',
      attributes: { 'hmac.outcome': 'accepted' },
      kind: 'histogram',
      value: count,
      histogram: { bounds, counts, sum: 0, count },
    },
    kms('accepted', c.kmsOk[i]!),
    kms('error', c.kmsErr[i]!),
  ];
}

function promtoolInput(c: Record<Stream, number[]>, job = 'api'): string {
  const series = (name: string, values: number[]) =>
    `      - series: '${name.replace('job="api"', `job="${job}"`)}'\n        values: '${values.join(' ')}'`;
  const fastOrLess = c.fast; // le="0.03" holds the fast ones only
  const count = c.fast.map((f, i) => f + c.slow[i]!);
  return [
    series('hmac_auth_verifications_total{job="api",hmac_outcome="accepted"}', c.accepted),
    series('hmac_auth_verifications_total{job="api",hmac_outcome="rejected",error_type="signature_mismatch"}', c.mismatch),
    series('hmac_auth_verifications_total{job="api",hmac_outcome="error",error_type="kms_timeout"}', c.kmsTimeout),
    series('hmac_auth_verification_duration_seconds_bucket{job="api",hmac_outcome="accepted",le="0.01"}', fastOrLess),
    series('hmac_auth_verification_duration_seconds_bucket{job="api",hmac_outcome="accepted",le="0.03"}', fastOrLess),
    series('hmac_auth_verification_duration_seconds_bucket{job="api",hmac_outcome="accepted",le="0.05"}', count),
    series('hmac_auth_verification_duration_seconds_bucket{job="api",hmac_outcome="accepted",le="+Inf"}', count),
    series('hmac_auth_verification_duration_seconds_count{job="api",hmac_outcome="accepted"}', count),
    series('hmac_kms_operations_total{job="api",hmac_outcome="accepted"}', c.kmsOk),
    series('hmac_kms_operations_total{job="api",hmac_outcome="error",error_type="kms_error"}', c.kmsErr),
  ].join('\n');
}

/** `got: {a="b", ...} 1.5E-02, {...} 3E+00` lines → label maps and values. */
function parseGot(output: string): { labels: Record<string, string>; value: number }[] {
  const out: { labels: Record<string, string>; value: number }[] = [];
  for (const line of output.split('\n')) {
    const at = line.indexOf('got:');
    if (at < 0) continue;
    for (const m of line.slice(at).matchAll(/\{([^}]*)\} ([-+0-9.eE]+|NaN|[-+]Inf)/g)) {
      const labels: Record<string, string> = {};
      for (const l of m[1]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
      out.push({ labels, value: Number(m[2]) });
    }
  }
  return out;
}

const available = existsSync(PROMTOOL) && existsSync(RULES);

type Got = ReturnType<typeof parseGot>;

/** Run `rules` under promtool on `input` and read back every SLO series at the end of the run. */
function prometheusValues(rules: string, input: string): Got {
  const dir = mkdtempSync(join(tmpdir(), 'hmac-slo-parity-'));
  try {
    const file = join(dir, 'parity.yaml');
    writeFileSync(
      file,
      [
        `rule_files: [${JSON.stringify(rules)}]`,
        'evaluation_interval: 1m',
        'tests:',
        '  - interval: 1m',
        '    input_series:',
        input,
        '    promql_expr_test:',
        ...['job_slo:hmac_slo_error:ratio', 'job_slo:hmac_slo_error_budget:burn_rate', 'job_slo:hmac_slo_error_budget:remaining'].map(
          (expr) => `      - expr: ${expr}\n        eval_time: ${MINUTES}m\n        exp_samples: []`,
        ),
        '',
      ].join('\n'),
    );
    const run = spawnSync(PROMTOOL, ['test', 'rules', file], { encoding: 'utf8', timeout: 60_000 });
    const got = parseGot(`${run.stdout}\n${run.stderr}`);
    assert.ok(got.length > 0, `no values parsed from promtool:\n${run.stdout}\n${run.stderr}`);
    return got;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Every engine (job, SLO, window) against Prometheus's, within docs/slo.md's tolerance; `sliOf` names
 * the SLI definition (a key of SLIS) of each SLO. Returns how many windows were compared.
 */
function compareWithRules(status: SloApiResponse, got: Got, sliOf: (slo: string) => string): number {
  let compared = 0;
  for (const s of status.slos) {
    // Worked out independently from the per-minute traffic: events over the whole run, and over its
    // last 4 minutes — the ones the rules' long windows under-weight (see below).
    const sli = SLIS[sliOf(s.slo)]!;
    let bad = 0;
    let total = 0;
    let badEdge = 0;
    let totalEdge = 0;
    for (let m = 0; m < MINUTES; m++) {
      const [b, n] = sli(perMinute(m));
      bad += b;
      total += n;
      if (m >= MINUTES - 4) {
        badEdge += b;
        totalEdge += n;
      }
    }
    for (const w of s.windows) {
      const theirs = (metric: string) => {
        const g = got.find((x) => x.labels.__name__ === metric && x.labels.job === s.job && x.labels.slo === s.slo && x.labels.window === w.window);
        assert.ok(g, `Prometheus has no ${metric}{slo="${s.slo}",window="${w.window}"}`);
        return g.value;
      };
      const ratio = theirs('job_slo:hmac_slo_error:ratio');
      const burn = theirs('job_slo:hmac_slo_error_budget:burn_rate');
      assert.ok(w.errorRatio !== null && w.burnRate !== null, `${s.slo} ${w.window}: the engine has no ratio, Prometheus ${ratio}`);
      const label = `${s.slo} ${w.window}: engine ${w.errorRatio}, Prometheus ${ratio}`;
      if (!w.window.endsWith('d')) {
        // Read from the raw counters with `increase`: exact when samples coincide with scrapes.
        assert.ok(Math.abs(w.errorRatio - ratio) <= 1e-12, label);
        assert.ok(Math.abs(w.burnRate - burn) <= 1e-9 * Math.max(1, burn), label);
      } else {
        // Longer than the run: the engine counts everything since its first sample…
        assert.ok(Math.abs(w.errorRatio - bad / total) <= 1e-12, label);
        // …while the rules sum recorded 5m increases, which count the last 4 minutes' events fewer
        // times; so their ratio lies between (bad − bad in those minutes)/total and
        // bad/(total − events in those minutes): the tolerance docs/slo.md states.
        assert.ok(ratio >= (bad - badEdge) / total - 1e-12 && ratio <= bad / (total - totalEdge) + 1e-12, label);
        assert.ok(Math.abs(burn - ratio / (1 - s.objective)) <= 1e-9 * Math.max(1, burn), label);
      }
      compared++;
    }
    const budget = got.find((g) => g.labels.__name__ === 'job_slo:hmac_slo_error_budget:remaining' && g.labels.job === s.job && g.labels.slo === s.slo);
    assert.ok(budget, `Prometheus has no budget for ${s.slo}`);
    assert.ok(s.errorBudgetRemaining !== null, `${s.slo}: the engine has no budget`);
    assert.ok(Math.abs(s.errorBudgetRemaining - (1 - bad / total / (1 - s.objective))) <= 1e-9, `${s.slo} engine budget`);
    const low = 1 - bad / (total - totalEdge) / (1 - s.objective);
    const high = 1 - (bad - badEdge) / total / (1 - s.objective);
    assert.ok(budget.value >= low - 1e-9 && budget.value <= high + 1e-9, `${s.slo} budget: engine ${s.errorBudgetRemaining}, Prometheus ${budget.value}`);
  }
  return compared;
}

test('engine error ratios, burn rates and budgets agree with the generated recording rules under promtool', { skip: !available && 'promtool or alerts/generated/rules.yaml missing' }, () => {
  const c = cumulative();
  const config = parseConfig({});
  const engine = new SloEngine(config);
  const T0 = Date.UTC(2026, 0, 1);
  for (let i = 0; i <= MINUTES; i++) engine.sample({ series: () => aggregated(c, i) }, T0 + i * 60_000);
  const status = engine.status(T0 + MINUTES * 60_000);
  const got = prometheusValues(RULES, promtoolInput(c));
  assert.equal(compareWithRules(status, got, (slo) => slo), 4 * 8, 'four SLOs × eight windows');
});

test('scoped SLOs: the engine and rules generated from the same config agree, and agree on no data', { skip: !existsSync(PROMTOOL) && 'promtool missing' }, () => {
  // Two jobs with the same traffic; SLOs sharing an indicator with different scopes and objectives,
  // a scoped latency SLO (bucket and count matchers) and a scope nothing reports.
  const ratio = (bad: string[]) => ({ kind: 'ratio', source: 'verifications', badOutcomes: bad });
  const config = parseConfig({
    slos: [
      { name: 'api-success', sli: ratio(['rejected', 'error']), objective: 0.999, scope: { job: ['api'] } },
      { name: 'others-success', sli: ratio(['rejected', 'error']), objective: 0.99, scope: { job: { notIn: ['api'] } } },
      { name: 'web-latency', sli: { kind: 'latency', source: 'verificationDuration', thresholdSeconds: 0.03 }, objective: 0.95, scope: { job: ['web'] } },
      { name: 'nobody', sli: ratio(['error']), objective: 0.99, scope: { job: ['nobody'] } },
    ],
  });
  const SLI_OF: Record<string, string> = { 'api-success': 'auth-success', 'others-success': 'auth-success', 'web-latency': 'verification-latency' };
  const c = cumulative();
  const engine = new SloEngine(config);
  const T0 = Date.UTC(2026, 0, 1);
  for (let i = 0; i <= MINUTES; i++) engine.sample({ series: () => [...aggregated(c, i, 'api'), ...aggregated(c, i, 'web')] }, T0 + i * 60_000);
  const status = engine.status(T0 + MINUTES * 60_000);
  assert.deepEqual(status.slos.map((s) => `${s.job}/${s.slo}`), ['api/api-success', 'web/others-success', 'web/web-latency']);
  assert.deepEqual(status.noData?.map((s) => s.slo), ['nobody']);

  const dir = mkdtempSync(join(tmpdir(), 'hmac-slo-parity-scoped-'));
  try {
    const layout = { dashboardsDir: join(dir, 'dashboards'), alertsDir: join(dir, 'rules') };
    writeFiles(renderFiles(config, layout), layout);
    const got = prometheusValues(join(dir, 'rules', 'rules.yaml'), `${promtoolInput(c, 'api')}\n${promtoolInput(c, 'web')}`);
    assert.equal(compareWithRules(status, got, (slo) => SLI_OF[slo]!), 3 * 8, 'three SLOs with data × eight windows');
    // Exactly the engine's pairs: nothing for other jobs, nothing at all for the empty scope.
    const pairs = new Set(got.map((g) => `${g.labels.job}/${g.labels.slo}`));
    assert.deepEqual([...pairs].sort(), ['api/api-success', 'web/others-success', 'web/web-latency']);
    // Same traffic, objectives 0.999 and 0.99: burn rates ten times apart.
    const burn = (slo: string) => got.find((g) => g.labels.__name__ === 'job_slo:hmac_slo_error_budget:burn_rate' && g.labels.slo === slo && g.labels.window === '1h')!.value;
    assert.ok(Math.abs(burn('api-success') / burn('others-success') - 10) < 1e-9);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no traffic is no data in both: the engine\'s null windows are the windows the rules record no series for', { skip: !available && 'promtool or alerts/generated/rules.yaml missing' }, () => {
  // Series that exist throughout: `quiet` has traffic in its first 40 minutes only, `idle` never has
  // any (flat zeros, as after a restart without saved state).
  const full = cumulative();
  const upTo = (minute: number) => Object.fromEntries(Object.entries(full).map(([k, v]) => [k, v.map((_, i) => v[Math.min(i, minute)]!)])) as Record<Stream, number[]>;
  const quiet = upTo(40);
  const idle = upTo(0);
  const engine = new SloEngine(parseConfig({}));
  const T0 = Date.UTC(2026, 0, 1);
  for (let i = 0; i <= MINUTES; i++) engine.sample({ series: () => [...aggregated(quiet, i, 'quiet'), ...aggregated(idle, i, 'idle')] }, T0 + i * 60_000);
  const status = engine.status(T0 + MINUTES * 60_000);
  const got = prometheusValues(RULES, `${promtoolInput(quiet, 'quiet')}\n${promtoolInput(idle, 'idle')}`);
  const has = (metric: string, job: string, slo: string, window?: string) =>
    got.some((g) => g.labels.__name__ === metric && g.labels.job === job && g.labels.slo === slo && g.labels.window === window);
  const absent: string[] = [];
  for (const s of status.slos) {
    for (const w of s.windows) {
      const what = `${s.job}/${s.slo} ${w.window}`;
      assert.equal(w.errorRatio === null, w.events === 0, what);
      assert.equal(w.burnRate === null, w.events === 0, what);
      assert.equal(has('job_slo:hmac_slo_error:ratio', s.job, s.slo, w.window), w.errorRatio !== null, `error ratio ${what}: engine ${w.errorRatio}`);
      assert.equal(has('job_slo:hmac_slo_error_budget:burn_rate', s.job, s.slo, w.window), w.burnRate !== null, `burn rate ${what}: engine ${w.burnRate}`);
      if (w.errorRatio === null) absent.push(`${s.job} ${w.window}`);
    }
    assert.equal(s.sli === null, s.errorBudgetRemaining === null);
    assert.equal(has('job_slo:hmac_slo_error_budget:remaining', s.job, s.slo), s.errorBudgetRemaining !== null, `budget ${s.job}/${s.slo}: engine ${s.errorBudgetRemaining}`);
  }
  // Quiet since minute 40 of 180: nothing in the last 2 hours, events in the 6h window and longer.
  const quietAbsent = [...new Set(absent.filter((a) => a.startsWith('quiet ')))];
  assert.deepEqual(quietAbsent, ['quiet 5m', 'quiet 30m', 'quiet 1h', 'quiet 2h']);
  assert.deepEqual(status.slos.filter((s) => s.job === 'idle').map((s) => [s.slo, s.sli]), [
    ['auth-success', null],
    ['auth-availability', null],
    ['verification-latency', null],
    ['kms-success', null],
  ]);
  assert.ok(got.every((g) => Number.isFinite(g.value)), 'nothing NaN or infinite');
});
