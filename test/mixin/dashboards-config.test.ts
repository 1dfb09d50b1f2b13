/**
 * The dashboards follow the config, nothing on them is typed in: a user's hmac-slo.yaml (other
 * period, selector, objective, thresholds, canary label, alert prefix, top-k) renders dashboards
 * whose thresholds, selectors and SLO windows are that config's; jsonnet users override
 * `_config.dashboards` (uids, collector URL); a config without an M1-style SLO still renders.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { parseConfig } from '../../src/config/index.js';
import { renderMixin } from '../../src/generate/render.js';
import type { DashboardPanel as Panel, GrafanaDashboard as Board } from '../../src/generate/mixin-model.js';

const root = join(import.meta.dirname, '..', '..');


const custom = parseConfig({
  period: '28d',
  selector: 'namespace="payments"',
  slos: [
    { name: 'partner-auth', sli: { kind: 'ratio', source: 'verifications', badOutcomes: ['rejected', 'error'] }, objective: 0.99 },
    { name: 'fast-verify', sli: { kind: 'latency', source: 'verificationDuration', thresholdSeconds: 0.05 }, objective: 0.9 },
  ],
  alerting: {
    alertPrefix: 'PayAuth',
    failureModes: {
      mismatchRatio: 0.05,
      timestampWindow: '10m',
      clockSkewWarnFraction: 0.5,
      canaryLabel: 'track',
      canaryValue: 'beta',
      kmsLatencyP95Seconds: 0.25,
      verificationLatencyP95Seconds: 0.05,
      maxKeyAge: '30d',
    },
  },
  collector: { listen: '10.0.0.5:9999', failures: { topClients: 7 } },
}, '<test>');

const boards = renderMixin(custom, root).dashboards;
const board = (uid: string) => Object.values(boards).find((b) => b.uid === uid)!;
const panel = (uid: string, title: string) => {
  const p = board(uid).panels.find((x) => x.title === title);
  assert.ok(p, `${uid}: ${title}`);
  return p;
};
const steps = (p: Panel) => (p.fieldConfig?.defaults?.thresholds?.steps ?? []).slice(1).map((s) => s.value);

test('thresholds, objectives and windows come from the user\'s config', () => {
  assert.deepEqual(steps(panel('hmac-slo-executive', 'Auth success over the SLO period')), [0.99]);
  assert.match(panel('hmac-slo-executive', 'Auth success over the SLO period').targets![0]!.expr, /slo="partner-auth",window="28d"/);
  // First burn alert: 2 % of a 28-day budget in 1 h = 13.44×.
  const burn = steps(panel('hmac-slo-executive', 'Burn rate per SLO (1h)'));
  assert.ok(Math.abs(burn[1]! - 13.44) < 1e-9, String(burn));
  assert.deepEqual(steps(panel('hmac-slo-oncall', 'Signature mismatch ratio by job')), [0.05]);
  assert.deepEqual(steps(panel('hmac-slo-oncall', 'Clock skew p50 / p99 vs timestamp window')), [300, 600]);
  assert.deepEqual(steps(panel('hmac-slo-oncall', 'Verification latency by job')), [0.05]);
  assert.deepEqual(steps(panel('hmac-slo-debug', 'KMS p95 latency by operation')), [0.25]);
  assert.deepEqual(steps(panel('hmac-slo-debug', 'Key age (rotation policy)')), [30 * 86400]);
  const canary = panel('hmac-slo-oncall', 'Canary vs stable failure ratio').targets!.map((t) => t.expr);
  assert.match(canary[0]!, /track="beta"/);
  assert.match(canary[1]!, /track!="beta"/);
  assert.match(panel('hmac-slo-oncall', 'Firing alerts').targets![0]!.expr, /alertname=~"PayAuth\.\*"/);
  assert.match(panel('hmac-slo-oncall', 'Top rejected clients (collector)').targets![0]!.expr, /^topk\(7,/);
  assert.match(panel('hmac-slo-oncall', 'Recent failures (collector status page)').options!.content!, /last \*\*500\*\* failed/);
  const url = board('hmac-slo-oncall').templating.list.find((v) => v.name === 'collector_url')!;
  assert.equal(url.query, 'http://10.0.0.5:9999');
});

test('the selector narrows every raw hmac_* selector, and only those (computed series do not carry it)', () => {
  let raw = 0;
  for (const b of Object.values(boards)) {
    const exprs = b.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr.replace(/\$__rate_interval/g, '1m')));
    for (const v of b.templating.list) if (v.name === 'job' || v.name === 'key_id') assert.match(String(v.query), /namespace="payments"/, `${b.uid} $${v.name}`);
    for (const expr of exprs) {
      parser.parse(expr).iterate({
        enter(n) {
          if (n.name !== 'VectorSelector') return;
          const text = expr.slice(n.from, n.to);
          if (/^(hmac_slo_|[a-z_]+:|ALERTS)/.test(text)) {
            assert.doesNotMatch(text, /namespace=/, `${b.uid}: ${text}`);
          } else {
            raw++;
            assert.match(text, /namespace="payments"/, `${b.uid}: ${text}`);
          }
        },
      });
    }
  }
  assert.ok(raw > 40, String(raw));
});

test('jsonnet users override _config.dashboards: uids and links follow', () => {
  const program = `((import 'mixin.libsonnet') + { _config+:: { dashboards+: { uidPrefix: 'acme-auth', titlePrefix: 'Acme / ' } } }).grafanaDashboards`;
  const out = JSON.parse(execFileSync('jsonnet', ['-J', root, '-e', program], { encoding: 'utf8' })) as Record<string, Board>;
  const uids = Object.values(out).map((b) => b.uid).sort();
  assert.deepEqual(uids, ['acme-auth-debug', 'acme-auth-executive', 'acme-auth-oncall']);
  for (const b of Object.values(out)) {
    assert.match(b.title, /^Acme \/ /);
    for (const l of b.links) assert.ok(uids.includes(l.url.replace('/d/', '')), l.url);
  }
});

test('a config without an auth-success-style SLO still renders every dashboard', () => {
  const latencyOnly = parseConfig({ slos: [{ name: 'lat', sli: { kind: 'latency', source: 'verificationDuration', thresholdSeconds: 0.03 }, objective: 0.95 }] }, '<test>');
  const out = renderMixin(latencyOnly, root).dashboards;
  const exec = Object.values(out).find((b) => b.uid === 'hmac-slo-executive')!;
  assert.ok(!exec.panels.some((p) => p.title === 'Auth success over the SLO period'));
  const m1 = exec.panels.find((p) => p.title === 'Auth success rate vs objective')!;
  assert.equal(m1.targets!.length, 1, 'no objective series to compare with');
  assert.match(m1.targets![0]!.expr, /hmac_outcome=~"rejected\|error"/);
});
