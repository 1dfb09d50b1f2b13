/**
 * The configuration reference stays true: the committed `hmac-slo.example.yaml` loads and equals the
 * built-in defaults (apart from its two example credentials), and docs/configuration.md names every
 * field of the schema.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { configSchema } from '../../src/config/schema.js';
import { schemaFields } from '../../src/config/fields.js';
import { loadConfig, parseConfig } from '../../src/config/load.js';

test('hmac-slo.example.yaml loads and spells out the defaults', () => {
  const example = loadConfig('hmac-slo.example.yaml');
  const defaults = parseConfig({});
  assert.deepEqual(example.collector.auth, {
    bearerTokenEnv: ['HMAC_SLO_PUSH_TOKEN'],
    hmacKeys: [{ id: 'push-2026-11', secretEnv: 'HMAC_SLO_PUSH_KEY_2026_11' }],
    maxNoncesPerKey: 100_000,
  });
  assert.deepEqual({ ...example, collector: { ...example.collector, auth: defaults.collector.auth } }, defaults);
});

test('docs/configuration.md documents every field of the schema', () => {
  const doc = readFileSync('docs/configuration.md', 'utf8');
  const names = [...new Set(schemaFields(configSchema).map((f) => f.path))];
  assert.ok(names.length > 40, `walked ${names.length} fields`);
  const missing = names.filter((n) => {
    const leaf = n.split('.').pop()!;
    return !doc.includes(`\`${n}\``) && !doc.includes(`\`${leaf}\``) && !doc.includes(`\`${n.split('.').slice(-2).join('.')}\``);
  });
  assert.deepEqual(missing, []);
});

test('every setting outside a list has a one-line description (the comments of config.libsonnet)', () => {
  const fields = schemaFields(configSchema);
  const undescribed = fields.filter((f) => !f.inList && !f.description).map((f) => f.path);
  assert.deepEqual(undescribed, []);
  for (const f of fields) if (f.description) assert.ok(!f.description.includes('\n'), `${f.path}: one line`);
});
