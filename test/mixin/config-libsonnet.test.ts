/**
 * The committed config.libsonnet is the readable face of the one config: every setting's
 * description from the schema is its comment, and the `_config` jsonnet evaluates from it holds
 * exactly the schema's defaults (what config.json and the collector use).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configSchema } from '../../src/config/schema.js';
import { schemaFields } from '../../src/config/fields.js';
import { parseConfig } from '../../src/config/index.js';
import { mixinConfig } from '../../src/generate/mixin-config.js';
import { DASHBOARD_SETTINGS, RULES_SETTINGS } from '../../src/generate/mixin-settings.js';

const root = join(import.meta.dirname, '..', '..');
const text = readFileSync(join(root, 'config.libsonnet'), 'utf8');

test('config.libsonnet comments every setting with its schema description', () => {
  const comments = new Set(text.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('// ')).map((l) => l.slice(3)));
  for (const f of schemaFields(configSchema)) if (!f.inList) assert.ok(comments.has(f.description ?? ''), `${f.path}: "${f.description}" is not a comment`);
  for (const [k, s] of Object.entries({ ...RULES_SETTINGS, ...DASHBOARD_SETTINGS })) assert.ok(comments.has(s.description), k);
});

test("the mixin's _config equals the schema's defaults, plus the dashboard-only settings", () => {
  const out = execFileSync('jsonnet', ['-J', root, '-e', "(import 'mixin.libsonnet')._config"], { encoding: 'utf8' });
  const { dashboards, recordingRawMaxWindow, ...config } = JSON.parse(out) as Record<string, unknown>;
  assert.equal(recordingRawMaxWindow, '6h');
  assert.deepEqual(config, JSON.parse(JSON.stringify(mixinConfig(parseConfig({})))));
  assert.deepEqual(Object.keys(dashboards as object).sort(), Object.keys(DASHBOARD_SETTINGS).sort());
  assert.equal((dashboards as { collectorUrl: string }).collectorUrl, 'http://127.0.0.1:9464');
});
