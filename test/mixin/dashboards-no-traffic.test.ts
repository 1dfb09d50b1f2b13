/**
 * No traffic is no data on the dashboards too (docs/slo.md): the executive success rate, run by a
 * real Prometheus engine (`promtool test rules`) on a job with traffic and one whose series exist
 * but do not move, has a point for the first only — never 100 % for the quiet one. (The SLO panels
 * read the recorded series, which the rules leave out for such a job: alerts/tests/no-traffic.yaml.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const PROMTOOL = '/usr/bin/promtool';

test('"Auth success rate vs objective" has no point for a job without verifications, and the share for one with', { skip: !existsSync(PROMTOOL) && 'promtool missing' }, () => {
  const board = JSON.parse(readFileSync(resolve('dashboards/generated/hmac-slo-executive.json'), 'utf8')) as { panels: { title: string; targets?: { expr: string }[] }[] };
  const expr = board.panels.find((p) => p.title === 'Auth success rate vs objective')!.targets![0]!.expr
    .replace(/\$__rate_interval/g, '5m')
    .replace(/\$job|\$key_id/g, '.*');
  const dir = mkdtempSync(join(tmpdir(), 'hmac-slo-panel-'));
  try {
    const file = join(dir, 'panel.yaml');
    writeFileSync(
      file,
      [
        'rule_files: []',
        'evaluation_interval: 1m',
        'tests:',
        '  - interval: 1m',
        '    input_series:',
        `      - series: 'hmac_auth_verifications_total{job="busy",hmac_outcome="accepted"}'`,
        `        values: '0+90x30'`,
        `      - series: 'hmac_auth_verifications_total{job="busy",hmac_outcome="rejected",error_type="replay"}'`,
        `        values: '0+10x30'`,
        `      - series: 'hmac_auth_verifications_total{job="quiet",hmac_outcome="accepted"}'`,
        `        values: '500x30'`,
        '    promql_expr_test:',
        `      - expr: ${JSON.stringify(`round(${expr}, 0.001)`)}`,
        '        eval_time: 20m',
        '        exp_samples:',
        `          - labels: '{job="busy"}'`,
        '            value: 0.9',
        '',
      ].join('\n'),
    );
    const run = spawnSync(PROMTOOL, ['test', 'rules', file], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
