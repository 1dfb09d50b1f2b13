/**
 * The alerting contract users rely on: every alert has a CamelCase name with the common prefix, a
 * severity, a static summary, a templated description and a runbook URL whose anchor is a real
 * section of docs/runbooks.md; every failure mode the project promises is alerted on; and every
 * alert is exercised by the promtool suites both firing and staying quiet.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { PrometheusRule, RuleFile } from '../../src/generate/mixin-model.js';

const root = join(import.meta.dirname, '..', '..');

/** Every rule of alerts.yaml is an alerting rule with labels and annotations (asserted below where it matters). */
type AlertRule = PrometheusRule & Required<Pick<PrometheusRule, 'alert' | 'labels' | 'annotations'>>;
const generated = parse(readFileSync(join(root, 'alerts', 'generated', 'alerts.yaml'), 'utf8')) as RuleFile;
const rules = generated.groups.flatMap((g) => g.rules) as AlertRule[];
const names = [...new Set(rules.map((r) => r.alert))];

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to dashes. */
function anchor(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

test('the alerts cover every failure mode and lifecycle signal the project promises', () => {
  // Written from issue 4's list, not from the generated file.
  const promised = [
    'HmacAuthErrorBudgetBurn', // multiwindow multi-burn-rate per SLO
    'HmacAuthSignatureMismatchSpike', // F1
    'HmacAuthClockSkewNearWindow', // F2
    'HmacAuthReplayDetected', // F3
    'HmacAuthRevokedKeyPresented', // F4
    'HmacAuthKeyClientsSurge', // F4 before revocation: a leaked key that still works (issue 11)
    'HmacAuthForgedAttemptsFlood', // M8
    'HmacAuthKeyRotationStalled', // F5, M5
    'HmacAuthKeyRotationInProgress', // inhibits rotation noise
    'HmacAuthKeyTooOld', // rotation policy
    'HmacAuthKmsErrorRatioHigh', // F6, M6
    'HmacAuthKmsLatencyHigh', // F6, M7
    'HmacAuthVerificationLatencyHigh', // M7
    'HmacAuthCanaryFailuresElevated', // M10
    'HmacAuthDigestMismatch', // F7
    'HmacAuthTelemetryAbsent',
    'HmacAuthVerificationTrafficStopped', // counters present but no longer moving (runbook: resolved, but did the traffic stop?)
    'HmacAuthCollectorDroppingData', // issue 9: the collector refusing data at a cap
    'HmacAuthCollectorStorageFailing', // issue 9: full disk, failed snapshots
  ];
  assert.deepEqual([...names].sort(), [...promised].sort());
});

test('every alert carries the labels and annotations on-call needs', () => {
  for (const r of rules) {
    assert.match(r.alert, /^HmacAuth[A-Z][a-zA-Z0-9]*$/, r.alert);
    assert.ok(['critical', 'warning', 'info'].includes(r.labels.severity!), `${r.alert}: severity ${r.labels.severity}`);
    assert.deepEqual(Object.keys(r.annotations).sort(), ['description', 'runbook_url', 'summary'], r.alert);
    assert.ok(r.annotations.summary!.length > 10 && !r.annotations.summary!.includes('{{'), `${r.alert}: summary must be static`);
    assert.match(r.annotations.description!, /\{\{ \$labels\.job \}\}/, `${r.alert}: description names the job`);
    assert.equal(r.annotations.runbook_url, `https://github.com/hmac-slo/hmac-slo/blob/main/docs/runbooks.md#${r.alert.toLowerCase()}`);
  }
});

test('a revoked key is a security page; the rotation marker is info only', () => {
  const revoked = rules.filter((r) => r.alert === 'HmacAuthRevokedKeyPresented');
  assert.equal(revoked.length, 1);
  assert.equal(revoked[0]!.labels.severity, 'critical');
  assert.equal(revoked[0]!.labels.team, 'security');
  assert.equal(revoked[0]!.labels.category, 'security');
  assert.deepEqual(rules.filter((r) => r.alert === 'HmacAuthKeyRotationInProgress').map((r) => r.labels.severity), ['info']);
  // The mismatch spike pages when many jobs fail and opens a ticket for one.
  assert.deepEqual(rules.filter((r) => r.alert === 'HmacAuthSignatureMismatchSpike').map((r) => r.labels.severity).sort(), ['critical', 'warning']);
});

test('every runbook_url anchor is a section of docs/runbooks.md, and every section is an alert', () => {
  const doc = readFileSync(join(root, 'docs', 'runbooks.md'), 'utf8');
  const sections = [...doc.matchAll(/^## (.+)$/gm)].map((m) => m[1]!);
  const anchors = new Set(sections.map(anchor));
  for (const r of rules) {
    const target = r.annotations.runbook_url!.split('#')[1]!;
    assert.ok(anchors.has(target), `${r.alert}: no section with anchor #${target} in docs/runbooks.md`);
  }
  const alertSections = sections.filter((s) => s.startsWith('HmacAuth'));
  assert.deepEqual(alertSections.sort(), [...names].sort(), 'one runbook section per alert');
  // In-page links point at sections that exist.
  for (const [, target] of doc.matchAll(/\]\(#([a-z0-9-]+)\)/g)) assert.ok(anchors.has(target!), `broken link #${target}`);
});

test('every alert is tested by promtool both firing (with exact labels and annotations) and quiet', () => {
  interface Suite { tests: { alert_rule_test?: { alertname: string; exp_alerts?: { exp_labels: Record<string, string>; exp_annotations?: Record<string, string> }[] }[] }[] }
  const dir = join(root, 'alerts', 'tests');
  const fires = new Set<string>();
  const quiet = new Set<string>();
  const quietNoTraffic = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
    const suite = parse(readFileSync(join(dir, file), 'utf8')) as Suite;
    for (const t of suite.tests) {
      for (const a of t.alert_rule_test ?? []) {
        if (a.exp_alerts && a.exp_alerts.length > 0) {
          for (const e of a.exp_alerts) {
            assert.ok(e.exp_annotations?.summary && e.exp_annotations.description && e.exp_annotations.runbook_url, `${file}: ${a.alertname} must expect every annotation`);
            assert.ok(e.exp_labels.severity, `${file}: ${a.alertname} must expect the severity`);
          }
          fires.add(a.alertname);
        } else {
          quiet.add(a.alertname);
          if (file === 'quiet.yaml') quietNoTraffic.add(a.alertname);
        }
      }
    }
  }
  for (const name of names) {
    assert.ok(fires.has(name), `${name} never fires in alerts/tests`);
    assert.ok(quiet.has(name), `${name} is never asserted quiet in alerts/tests`);
    assert.ok(quietNoTraffic.has(name), `${name} is not checked against the healthy / no-traffic services in quiet.yaml`);
  }
});
