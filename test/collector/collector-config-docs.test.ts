/**
 * The configuration reference stays true: the committed `hmac-slo.example.yaml` loads and equals the
 * built-in defaults (apart from its two example credentials), and docs/configuration.md names every
 * field of the schema.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { configSchema } from '../../src/config/schema.js';
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

/** Every object key in the schema, as dotted paths without list indices (`collector.limits.maxSeries`). */
function fieldNames(schema: z.ZodType, prefix = ''): string[] {
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
  switch (def.type) {
    case 'object': {
      const shape = def.shape as Record<string, z.ZodType>;
      return Object.entries(shape).flatMap(([k, v]) => [prefix + k, ...fieldNames(v, `${prefix}${k}.`)]);
    }
    case 'default':
    case 'prefault':
    case 'optional':
    case 'pipe':
      return fieldNames((def.innerType ?? def.in) as z.ZodType, prefix);
    case 'array':
      return fieldNames(def.element as z.ZodType, prefix);
    case 'union':
      return (def.options as z.ZodType[]).flatMap((o) => fieldNames(o, prefix));
    default:
      return [];
  }
}

test('docs/configuration.md documents every field of the schema', () => {
  const doc = readFileSync('docs/configuration.md', 'utf8');
  const names = [...new Set(fieldNames(configSchema))];
  assert.ok(names.length > 40, `walked ${names.length} fields`);
  const missing = names.filter((n) => {
    const leaf = n.split('.').pop()!;
    return !doc.includes(`\`${n}\``) && !doc.includes(`\`${leaf}\``) && !doc.includes(`\`${n.split('.').slice(-2).join('.')}\``);
  });
  assert.deepEqual(missing, []);
});
