/**
 * `npm run generate` / `hmac-slo generate`: the committed files are exactly what a fresh generation
 * writes; a user's own config renders into --out with its period, selector, prefix and time scale
 * applied; bad config is refused naming the file and field; jsonnet users can override `_config`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parser } from '@prometheus-io/lezer-promql';
import { parseConfig } from '../../src/config/index.js';
import { childEnv } from '../support/processes.js';
import { renderFiles, renderMixin, repositoryLayout } from '../../src/generate/render.js';
import type { RuleFile as Groups } from '../../src/generate/mixin-model.js';

const root = join(import.meta.dirname, '..', '..');

const allRules = (g: Groups) => g.groups.flatMap((x) => x.rules);

test('the committed config.json, rules, alerts and dashboards equal a fresh generation', () => {
  const layout = repositoryLayout(root);
  const files = renderFiles(parseConfig({}, '<defaults>'), layout, root);
  for (const [path, content] of files) {
    assert.ok(existsSync(path), `${path} is not committed: run npm run generate`);
    assert.equal(readFileSync(path, 'utf8'), content, `${path} is stale: run npm run generate`);
  }
  // Nothing left over from an older generation either.
  for (const dir of [layout.dashboardsDir, layout.alertsDir]) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) assert.ok(files.has(join(dir, name)), `${join(dir, name)} is not generated any more`);
  }
});

test('hmac-slo generate --config --out renders a 28-day SLO with its own burn factors and selector', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hmac-slo-gen-'));
  try {
    const cfg = join(dir, 'my.yaml');
    writeFileSync(cfg, [
      'period: 28d',
      'selector: namespace="payments"',
      'alerting:',
      '  alertPrefix: PayAuth',
      '  runbookUrl: https://wiki.example/runbooks#%s',
    ].join('\n'));
    const out = join(dir, 'out');
    const r = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', join(root, 'src', 'cli.ts'), 'generate', '--config', cfg, '--out', out], {
      cwd: root, encoding: 'utf8', timeout: 60_000, env: childEnv(),
    });
    assert.equal(r.status, 0, r.stderr);
    const rules = parse(readFileSync(join(out, 'prometheus', 'rules.yaml'), 'utf8')) as Groups;
    const alerts = parse(readFileSync(join(out, 'prometheus', 'alerts.yaml'), 'utf8')) as Groups;
    assert.equal(spawnSync('promtool', ['check', 'rules', join(out, 'prometheus', 'rules.yaml'), join(out, 'prometheus', 'alerts.yaml')]).status, 0);

    // The period window is recorded under its own name.
    assert.ok(allRules(rules).some((x) => x.record === 'job_slo:hmac_slo_error:ratio' && x.labels?.window === '28d'));
    // 2 % of 28 days in 1 hour: 0.02 × 672 h = 13.44; 5 % in 6 h: 0.05 × 112 = 5.6; 10 % in 1 d: 2.8; 10 % in 3 d: 0.9333…
    // (The blast-radius ticket twins of the page windows, label blast_radius, carry the same factors.)
    const factors = allRules(alerts).filter((x) => x.alert === 'PayAuthErrorBudgetBurn' && x.labels?.slo === 'auth-success' && !x.labels?.blast_radius)
      .map((x) => Number(/> ([0-9.]+)\n/.exec(x.expr)![1]));
    assert.deepEqual(factors.map((f) => f.toFixed(4)), ['13.4400', '5.6000', '2.8000', '0.9333']);
    // Prefix and runbook pattern.
    for (const a of allRules(alerts)) {
      assert.match(a.alert!, /^PayAuth[A-Z]/);
      assert.equal((a as unknown as { annotations: Record<string, string> }).annotations.runbook_url, `https://wiki.example/runbooks#${a.alert!.toLowerCase()}`);
    }
    // Every selector of a raw hmac-slo metric carries the user's selector (parsed with the real PromQL parser).
    let raw = 0;
    for (const rule of [...allRules(rules), ...allRules(alerts)]) {
      parser.parse(rule.expr).iterate({
        enter(n) {
          if (n.name !== 'VectorSelector') return;
          const text = rule.expr.slice(n.from, n.to);
          // Recorded series (`level:metric:operations`) carry it in their recording rule.
          if (/^(hmac_slo_|[a-z_]+:)/.test(text)) return;
          raw++;
          assert.match(text, /namespace="payments"/, `${rule.alert ?? rule.record}: ${text}`);
        },
      });
    }
    assert.ok(raw > 50);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('timeScale divides every range, for and lookback but keeps the window labels', () => {
  const scaled = renderMixin(parseConfig({ timeScale: 60 }, '<test>'), root);
  const rules = allRules(scaled.rules);
  const alerts = allRules(scaled.alerts);
  const oneHour = rules.find((x) => x.record === 'job_slo:hmac_slo_error:ratio' && x.labels?.slo === 'auth-success' && x.labels.window === '1h')!;
  assert.match(oneHour.expr, /\[1m\]/); // 1h / 60
  assert.doesNotMatch(oneHour.expr, /\[1h\]/);
  const period = rules.find((x) => x.record === 'job_slo:hmac_slo_error:ratio' && x.labels?.window === '30d')!;
  assert.match(period.expr, /\[12h\]/); // 30d / 60
  assert.equal(alerts.find((x) => x.alert === 'HmacAuthKeyRotationStalled')!.for, '24m'); // 1d / 60
  assert.equal(alerts.find((x) => x.alert === 'HmacAuthKmsLatencyHigh')!.for, '5s'); // 5m / 60
  // The leaked-key baseline: the hourly maximum sampled every minute, recorded once an hour, read over 8d.
  const keyClients = scaled.rules.groups.find((g) => g.name === 'hmac-auth-key-clients')!;
  assert.equal(keyClients.interval, '1m');
  assert.match(keyClients.rules[0]!.expr, /\[1m:1s\]\)$/);
  assert.match(alerts.find((x) => x.alert === 'HmacAuthKeyClientsSurge')!.expr, /max_over_time1h\[192m\] offset 1m\)/);
  // 1440: a day in a minute; 1h becomes 2.5 s, spelled in milliseconds.
  const minute = allRules(renderMixin(parseConfig({ timeScale: 1440 }, '<test>'), root).rules);
  assert.match(minute.find((x) => x.labels?.window === '1h' && x.record === 'job_slo:hmac_slo_error:ratio')!.expr, /\[2500ms\]/);
});

test('custom SLIs: reasons narrow the bad events, latency reads the exact bucket', () => {
  const config = parseConfig({
    slos: [
      { name: 'signing-throttle', sli: { kind: 'ratio', source: 'signings', badOutcomes: ['error'], badReasons: ['kms_throttled', 'kms_timeout'] }, objective: 0.99 },
      { name: 'kms-fast', sli: { kind: 'latency', source: 'kmsOperationDuration', thresholdSeconds: 1 }, objective: 0.9 },
    ],
  }, '<test>');
  const rules = allRules(renderMixin(config, root).rules);
  const bad = (slo: string) => rules.find((x) => x.record === 'job_slo:hmac_slo_bad_events:increase5m' && x.labels?.slo === slo)!.expr;
  assert.match(bad('signing-throttle'), /hmac_auth_signings_total\{hmac_outcome="error",error_type=~"kms_throttled\|kms_timeout"\}/);
  // A whole-number bound: some clients write le="1.0".
  assert.match(bad('kms-fast'), /hmac_kms_operation_duration_seconds_bucket\{le=~"1\|1\.0"\}/);
  assert.ok(rules.some((x) => x.record === 'slo:hmac_slo_objective:ratio' && x.expr === 'vector(0.99)'));
});

test('a bad config is refused with the file and the field, and nothing is written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hmac-slo-gen-'));
  try {
    const cfg = join(dir, 'bad.yaml');
    writeFileSync(cfg, 'alerting:\n  burnRate:\n    - { severity: critical, long: 5m, short: 1h, budgetConsumed: 0.02 }\n');
    const r = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', join(root, 'src', 'cli.ts'), 'generate', '--config', cfg, '--out', join(dir, 'out')], {
      cwd: root, encoding: 'utf8', timeout: 60_000, env: childEnv(),
    });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /bad\.yaml: alerting\.burnRate\[0\]\.short: must be shorter than long/);
    assert.equal(existsSync(join(dir, 'out')), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('jsonnet users override _config on the mixin directly', () => {
  const program = `(import 'mixin.libsonnet') + { _config+:: { alerting+: { alertPrefix: 'Acme', failureModes+: { mismatchRatio: 0.05 } } } }`;
  const out = execFileSync('jsonnet', ['-J', root, '-e', `(${program}).prometheusAlerts`], { encoding: 'utf8' });
  const alerts = allRules(JSON.parse(out) as Groups);
  const spike = alerts.filter((a) => a.alert === 'AcmeSignatureMismatchSpike');
  assert.equal(spike.length, 2);
  for (const a of spike) assert.match(a.expr, /\) > 0\.05\n/);
  assert.ok(alerts.every((a) => a.alert!.startsWith('Acme')));
});
