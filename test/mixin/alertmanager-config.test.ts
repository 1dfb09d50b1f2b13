/**
 * alerts/alertmanager.yml, checked with the real amtool: the config is valid, critical alerts reach
 * the page receivers, warnings the ticket receiver, info nowhere; grouping keeps one notification per
 * alert, job and key ID; the inhibition rules name alerts that really exist in the generated rules.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const root = join(import.meta.dirname, '..', '..');
const configFile = join(root, 'alerts', 'alertmanager.yml');

function amtool(args: string[]) {
  const r = spawnSync('amtool', args, { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, out: `${r.stdout}\n${r.stderr}` };
}

function routesTo(receiver: string, labels: Record<string, string>) {
  return amtool([
    'config', 'routes', 'test', `--config.file=${configFile}`, `--verify.receivers=${receiver}`,
    ...Object.entries(labels).map(([k, v]) => `${k}=${v}`),
  ]);
}

test('amtool check-config accepts the example routing', () => {
  const r = amtool(['check-config', configFile]);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /SUCCESS/);
  assert.match(r.out, /2 inhibit rules/);
});

test('critical pages, security-critical pages the security team, warning opens a ticket, info goes nowhere', () => {
  const cases: [string, Record<string, string>][] = [
    ['page', { alertname: 'HmacAuthErrorBudgetBurn', severity: 'critical', job: 'api', slo: 'auth-success' }],
    ['page', { alertname: 'HmacAuthSignatureMismatchSpike', severity: 'critical', job: 'api' }],
    ['security-page', { alertname: 'HmacAuthRevokedKeyPresented', severity: 'critical', team: 'security', category: 'security', job: 'api', hmac_key_id: 'k-old' }],
    ['ticket', { alertname: 'HmacAuthKmsLatencyHigh', severity: 'warning', job: 'api' }],
    ['ticket', { alertname: 'HmacAuthReplayDetected', severity: 'warning', category: 'security', job: 'api' }],
    ['null', { alertname: 'HmacAuthKeyRotationInProgress', severity: 'info', job: 'api', hmac_key_id: 'k0' }],
    // An alert without a severity (someone else's rule) is not paged for.
    ['null', { alertname: 'SomethingElse', job: 'api' }],
  ];
  for (const [receiver, labels] of cases) {
    const r = routesTo(receiver, labels);
    assert.equal(r.code, 0, `${JSON.stringify(labels)} should reach ${receiver}: ${r.out}`);
  }
  // And the check really checks: a warning does not page.
  assert.notEqual(routesTo('page', { alertname: 'HmacAuthKmsLatencyHigh', severity: 'warning', job: 'api' }).code, 0);
});

test('grouping keeps one notification per alert, job and key ID', () => {
  const am = parse(readFileSync(configFile, 'utf8')) as { route: { group_by: string[] } };
  assert.deepEqual(am.route.group_by, ['alertname', 'job', 'hmac_key_id']);
});

test('the inhibition rules refer to alerts and labels the generated rules produce', () => {
  const am = parse(readFileSync(configFile, 'utf8')) as {
    inhibit_rules: { source_matchers: string[]; target_matchers: string[]; equal: string[] }[];
  };
  const alerts = parse(readFileSync(join(root, 'alerts', 'generated', 'alerts.yaml'), 'utf8')) as {
    groups: { rules: { alert: string; labels: Record<string, string> }[] }[];
  };
  const rules = alerts.groups.flatMap((g) => g.rules);
  const names = new Set(rules.map((r) => r.alert));
  const mentioned = am.inhibit_rules
    .flatMap((r) => [...r.source_matchers, ...r.target_matchers])
    .flatMap((m) => /^alertname=~?"(.*)"$/.exec(m)?.[1]?.split('|') ?? []);
  assert.ok(mentioned.length >= 3);
  for (const name of mentioned) assert.ok(names.has(name), `inhibit rule names ${name}, which no generated alert has`);
  // The rotation source is an info alert (it must never notify by itself) and its targets are tickets.
  const rotation = rules.find((r) => r.alert === 'HmacAuthKeyRotationInProgress');
  assert.equal(rotation?.labels.severity, 'info');
  for (const target of ['HmacAuthSignatureMismatchSpike', 'HmacAuthForgedAttemptsFlood']) {
    assert.ok(rules.some((r) => r.alert === target && r.labels.severity === 'warning'), `${target} has a warning variant`);
  }
});

test('blast radius and leaked keys: a few-clients burn opens a ticket, a spread one pages, a key-clients surge pages security', () => {
  const rules = parse(readFileSync(join(root, 'alerts', 'generated', 'alerts.yaml'), 'utf8')) as {
    groups: { rules: { alert: string; labels: Record<string, string> }[] }[];
  };
  const labelsOf = (alert: string, match: Record<string, string>) =>
    rules.groups.flatMap((g) => g.rules).find((r) => r.alert === alert && Object.entries(match).every(([k, v]) => r.labels[k] === v))?.labels;
  // The labels the generated rules really carry, plus what Prometheus adds (job, key ID).
  const ticket = labelsOf('HmacAuthErrorBudgetBurn', { slo: 'auth-success', long_window: '1h', blast_radius: 'few_clients' });
  const page = labelsOf('HmacAuthErrorBudgetBurn', { slo: 'auth-success', long_window: '1h', severity: 'critical' });
  const surge = labelsOf('HmacAuthKeyClientsSurge', {});
  assert.ok(ticket && page && surge, 'the generated rules hold the ticket, page and surge alerts');
  for (const [receiver, labels] of [
    ['ticket', { alertname: 'HmacAuthErrorBudgetBurn', ...ticket, job: 'api' }],
    ['page', { alertname: 'HmacAuthErrorBudgetBurn', ...page, job: 'api' }],
    ['security-page', { alertname: 'HmacAuthKeyClientsSurge', ...surge, job: 'api', hmac_key_id: 'k1' }],
  ] as const) {
    for (const file of [configFile, join(root, 'deploy', 'alertmanager', 'alertmanager.yml')]) {
      const r = amtool([
        'config', 'routes', 'test', `--config.file=${file}`, `--verify.receivers=${receiver}`,
        ...Object.entries(labels).map(([k, v]) => `${k}=${v}`),
      ]);
      assert.equal(r.code, 0, `${JSON.stringify(labels)} should reach ${receiver} in ${file}: ${r.out}`);
    }
  }
  assert.notEqual(routesTo('page', { alertname: 'HmacAuthErrorBudgetBurn', ...ticket, job: 'api' }).code, 0, 'a few-clients burn must not page');
});

test('key alerts reach the team owning the key (hmac_key_owner) as well as their severity route; info stays silent', () => {
  const cases: [string, Record<string, string>][] = [
    ['team-payments,ticket', { alertname: 'HmacAuthKeyTooOld', severity: 'warning', job: 'api', hmac_key_id: 'pay-1', hmac_key_owner: 'payments-team' }],
    ['team-identity,ticket', { alertname: 'HmacAuthKeyRotationStalled', severity: 'warning', job: 'api', hmac_key_id: 'id-1', hmac_key_owner: 'identity-team' }],
    ['team-payments,security-page', { alertname: 'HmacAuthRevokedKeyPresented', severity: 'critical', team: 'security', category: 'security', job: 'api', hmac_key_id: 'pay-0', hmac_key_owner: 'payments-team' }],
    // A key alert added later routes by its label alone, whatever its name.
    ['team-payments,ticket', { alertname: 'HmacAuthSomeFutureKeyAlert', severity: 'warning', job: 'api', hmac_key_id: 'pay-1', hmac_key_owner: 'payments-team' }],
    // An owner without a team route, and a key without an owner: the severity route only.
    ['null,ticket', { alertname: 'HmacAuthKeyTooOld', severity: 'warning', job: 'api', hmac_key_id: 'x', hmac_key_owner: 'other-team' }],
    ['ticket', { alertname: 'HmacAuthKeyTooOld', severity: 'warning', job: 'api', hmac_key_id: 'x' }],
    ['null', { alertname: 'HmacAuthKeyRotationInProgress', severity: 'info', job: 'api', hmac_key_id: 'pay-1', hmac_key_owner: 'payments-team' }],
  ];
  for (const [receivers, labels] of cases) {
    const r = routesTo(receivers, labels);
    assert.equal(r.code, 0, `${JSON.stringify(labels)} should reach ${receivers}: ${r.out}`);
  }
  assert.notEqual(routesTo('ticket', { alertname: 'HmacAuthKeyTooOld', severity: 'warning', job: 'api', hmac_key_id: 'pay-1', hmac_key_owner: 'payments-team' }).code, 0);
});

test('every generated alert keyed by hmac_key_id carries the key owner (rules/lib.libsonnet withKeyOwner)', () => {
  const alerts = parse(readFileSync(join(root, 'alerts', 'generated', 'alerts.yaml'), 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] };
  const keyed = alerts.groups.flatMap((g) => g.rules).filter((r) => /by \([^)]*\bhmac_key_id\b/.test(r.expr));
  assert.ok(keyed.length >= 4, keyed.map((r) => r.alert).join(' '));
  for (const r of keyed) assert.match(r.expr, /group_left \(hmac_key_owner\)/, `${r.alert} does not add hmac_key_owner`);
});
