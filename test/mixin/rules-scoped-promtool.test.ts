/**
 * Scoped SLOs in the generated rules, under the real promtool: the rules and alerts rendered from
 * alerts/tests/scoped/hmac-slo.yaml pass the suite next to it (only in-scope traffic counts, the same
 * error ratio burns differently under different objectives, a scope without traffic records nothing,
 * scope values are matched literally). The same suite fails against the rules rendered without the
 * scopes, so it cannot pass vacuously.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import type { HmacSloConfig } from '../../src/config/schema.js';
import { renderFiles, writeFiles } from '../../src/generate/render.js';

const root = join(import.meta.dirname, '..', '..');
const scoped = join(root, 'alerts', 'tests', 'scoped');

/** Render `config`'s rules into DIR/generated, copy the suite to DIR and run promtool there. */
function runSuite(config: HmacSloConfig): { code: number | null; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'hmac-slo-scoped-'));
  try {
    const layout = { dashboardsDir: join(dir, 'dashboards'), alertsDir: join(dir, 'generated') };
    writeFiles(renderFiles(config, layout), layout);
    copyFileSync(join(scoped, 'slo-scoped.yaml'), join(dir, 'slo-scoped.yaml'));
    const r = spawnSync('promtool', ['test', 'rules', 'slo-scoped.yaml'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    return { code: r.status, out: `${r.stdout}\n${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('promtool test rules: the scoped SLOs count only in-scope traffic, each against its own objective', () => {
  const r = runSuite(loadConfig(join(scoped, 'hmac-slo.yaml')));
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /SUCCESS/);
});

test('the scoped suite fails on rules generated without the scopes (it checks the scope)', () => {
  const config = loadConfig(join(scoped, 'hmac-slo.yaml'));
  const r = runSuite({ ...config, slos: config.slos.map(({ scope: _scope, ...slo }) => slo) });
  assert.notEqual(r.code, 0, r.out);
  assert.match(r.out, /payments-prod/);
});
