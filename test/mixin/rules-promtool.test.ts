/**
 * The generated Prometheus rule files load in real Prometheus tooling: `promtool check rules` accepts
 * them, and every `promtool test rules` suite in alerts/tests passes (those suites hold the exact
 * firing / quiet expectations for each alert and the SLO series values).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';

const root = join(import.meta.dirname, '..', '..');
const generated = join(root, 'alerts', 'generated');
const suites = join(root, 'alerts', 'tests');

function promtool(args: string[]) {
  const r = spawnSync('promtool', args, { cwd: root, encoding: 'utf8', timeout: 180_000 });
  return { code: r.status, out: `${r.stdout}\n${r.stderr}` };
}

test('promtool check rules accepts both generated files with the expected number of rules', () => {
  const r = promtool(['check', 'rules', join(generated, 'rules.yaml'), join(generated, 'alerts.yaml')]);
  assert.equal(r.code, 0, r.out);
  // Default config: 4 SLOs × (2 intermediate increases + 8 windows × (ratio + burn rate) + budget + objective),
  // and the hourly maximum of clients per key the leaked-key alert reads.
  assert.match(r.out, /SUCCESS: 81 rules found/);
  // 4 SLOs × 4 burn-rate pairs + 2 blast-radius tickets (auth-success's page windows) + 18 failure-mode /
  // lifecycle / collector rules (the mismatch spike has two severities).
  assert.match(r.out, /SUCCESS: 37 rules found/);
});

test('every recording rule writes a contract SLO series, an intermediate job_slo: series or the per-key client maximum', () => {
  const rules = parse(readFileSync(join(generated, 'rules.yaml'), 'utf8')) as { groups: { rules: { record: string; labels: Record<string, string> }[] }[] };
  const names = new Set(rules.groups.flatMap((g) => g.rules.map((r) => r.record)));
  assert.deepEqual([...names].sort(), [
    'job_hmac_key_id:hmac_key_clients:max_over_time1h',
    'job_slo:hmac_slo_bad_events:increase5m',
    'job_slo:hmac_slo_error:ratio',
    'job_slo:hmac_slo_error_budget:burn_rate',
    'job_slo:hmac_slo_error_budget:remaining',
    'job_slo:hmac_slo_events:increase5m',
    'slo:hmac_slo_objective:ratio',
  ]);
  const windows = new Set(rules.groups.flatMap((g) => g.rules.filter((r) => r.record === 'job_slo:hmac_slo_error:ratio').map((r) => r.labels.window)));
  assert.deepEqual([...windows], ['5m', '30m', '1h', '2h', '6h', '1d', '3d', '30d']);
});

test('promtool test rules: every suite in alerts/tests passes', () => {
  const files = readdirSync(suites).filter((f) => f.endsWith('.yaml')).map((f) => join(suites, f));
  assert.ok(files.length >= 6, 'expected the promtool suites');
  const r = promtool(['test', 'rules', ...files]);
  assert.equal(r.code, 0, r.out);
  assert.equal((r.out.match(/SUCCESS/g) ?? []).length, files.length, r.out);
});

test('promtool test rules reports a failure when an expectation is wrong (the suites can fail)', () => {
  // Guard against suites that pass vacuously: flip one expected label and promtool must fail.
  const text = readFileSync(join(suites, 'signatures.yaml'), 'utf8').replace('{ severity: warning, job: upload }', '{ severity: critical, job: upload }');
  const dir = spawnSync('mktemp', ['-d'], { encoding: 'utf8' }).stdout.trim();
  const file = join(dir, 'tests', 'broken.yaml');
  spawnSync('mkdir', ['-p', join(dir, 'tests'), join(dir, 'generated')]);
  spawnSync('cp', [join(generated, 'rules.yaml'), join(generated, 'alerts.yaml'), join(dir, 'generated')]);
  spawnSync('sh', ['-c', 'cat > "$1"', 'sh', file], { input: text });
  const r = promtool(['test', 'rules', file]);
  spawnSync('rm', ['-rf', dir]);
  assert.notEqual(r.code, 0);
  assert.match(r.out, /HmacAuthDigestMismatch/);
});
