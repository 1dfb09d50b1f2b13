/**
 * Scope values are exact strings whatever they hold: quotes, backslashes, line breaks, regex
 * metacharacters, non-ASCII (including U+2028/U+2029, which Prometheus' YAML reader takes for line
 * breaks), the empty string (= label absent). For each hostile value, SLOs keeping it (alone and in
 * a list) and leaving it out (alone and in a list) are rendered into rules that `promtool check
 * rules` accepts, and both the real promtool and the collector's SLO engine count exactly the events
 * of the series whose label equals the value — no more (a regex leak), no fewer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load.js';
import type { SloScope } from '../../src/config/schema.js';
import type { AggregatedSeries } from '../../src/collector/model.js';
import { SloEngine } from '../../src/collector/slo/index.js';
import { renderFiles, writeFiles } from '../../src/generate/render.js';

const VALUES = [
  'a"b', 'a\\b', 'a\\"', '\\', 'a\nb', '\r', 'a\tb', "a'b", 'a`b', '/x', '${x}', '%s', '\\u0041',
  'a.b', 'axb', 'a|b', '(x)', '[', '$', '^x', 'x{1}', '\\d', 'a*', '+', '?',
  'é', '日本', '🎉', '\u007f', '\u0080', '\u0085', '\u00a0', '\u2028', '\u2029', '\ufeff', '\ufffe',
  ' ', '',
];
const NONE = 'zz-none';
const SLI = { kind: 'ratio', source: 'verifications', badOutcomes: ['rejected', 'error'] } as const;

/** Each value's series grows by its own power of two a minute, so any leak shows in the sum. */
const perMinute = (i: number) => 2 ** i;
const everything = VALUES.reduce((sum, _v, i) => sum + perMinute(i), 0);

const slos = VALUES.flatMap((v, i) => [
  { name: `keep-${i}`, scope: { hmac_scheme: [v] }, expected: perMinute(i) },
  { name: `list-${i}`, scope: { hmac_scheme: [v, NONE] }, expected: perMinute(i) },
  { name: `not-${i}`, scope: { hmac_scheme: { notIn: [v] } }, expected: everything - perMinute(i) },
  { name: `notlist-${i}`, scope: { hmac_scheme: { notIn: [v, NONE] } }, expected: everything - perMinute(i) },
] satisfies { name: string; scope: SloScope; expected: number }[]);
const config = parseConfig({ slos: slos.map(({ name, scope }) => ({ name, sli: SLI, objective: 0.99, scope })) });

/** A PromQL string literal written independently of the generator: every non-printable-ASCII character as \u/\U. */
function promString(s: string): string {
  const body = [...s].map((ch) => {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') return `\\${ch}`;
    if (c >= 0x20 && c < 0x7f) return ch;
    return c > 0xffff ? `\\U${c.toString(16).padStart(8, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`;
  });
  return `"${body.join('')}"`;
}

/** The series of value i: `hmac_scheme` set to it (absent for ''). */
const seriesLabels = (v: string) => `job="j",${v === '' ? '' : `hmac_scheme=${promString(v)},`}hmac_outcome="accepted"`;

test('hostile scope values: promtool accepts the rules and counts exactly the series with that value', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hmac-slo-scope-values-'));
  try {
    const layout = { dashboardsDir: join(dir, 'dashboards'), alertsDir: join(dir, 'generated') };
    writeFiles(renderFiles(config, layout), layout);
    const check = spawnSync('promtool', ['check', 'rules', 'generated/rules.yaml', 'generated/alerts.yaml'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    assert.equal(check.status, 0, `${check.stdout}\n${check.stderr}`);
    const suite = {
      rule_files: ['generated/rules.yaml'],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: VALUES.map((v, i) => ({ series: `hmac_auth_verifications_total{${seriesLabels(v)}}`, values: `0+${perMinute(i)}x20` })),
          promql_expr_test: slos.map((s) => ({
            expr: `job_slo:hmac_slo_events:increase5m{slo="${s.name}"}`,
            eval_time: '10m',
            exp_samples: [{ labels: `job_slo:hmac_slo_events:increase5m{job="j",slo="${s.name}"}`, value: 5 * s.expected }],
          })),
        },
      ],
    };
    writeFileSync(join(dir, 'values.yaml'), JSON.stringify(suite));
    const run = spawnSync('promtool', ['test', 'rules', 'values.yaml'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('hostile scope values: the SLO engine counts the same series as the rules', () => {
  const series = (minute: number): AggregatedSeries[] =>
    VALUES.map((v, i) => ({
      job: 'j',
      name: 'hmac.auth.verifications',
      promName: 'hmac_auth_verifications_total',
      attributes: { ...(v === '' ? {} : { 'hmac.scheme': v }), 'hmac.outcome': 'accepted' },
      kind: 'counter',
      value: perMinute(i) * minute,
    }));
  const engine = new SloEngine(config);
  engine.sample({ series: () => series(0) }, 0);
  engine.sample({ series: () => series(5) }, 5 * 60_000);
  const status = engine.status(5 * 60_000);
  for (const s of slos) {
    const pair = status.slos.find((p) => p.slo === s.name);
    assert.ok(pair, `${s.name} has data`);
    assert.equal(pair.windows.find((w) => w.window === '5m')!.events, 5 * s.expected, s.name);
  }
});
