/**
 * Whoever runs the tests must not configure the code under test through their environment
 * (test-env.mjs): the caller's OTEL_* (e.g. OTEL_EXPORTER_OTLP_COMPRESSION=gzip, which made the
 * OTLP/HTTP exporter test read gzip as JSON) and HMAC_SLO_* reach neither `npm test`'s test files nor
 * the processes the tests start, nor does FORCE_COLOR (Node then colours console.dir output into a
 * pipe, which a test parses); what a test passes does, and the rest (PATH, TZ, HOME) stays.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Children } from './processes.js';
import { testEnv } from './test-env.mjs';

const CALLER = {
  OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
  OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'delta',
  OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-the-caller',
  OTEL_SDK_DISABLED: 'true',
  HMAC_SLO_DEMO_SECRET_SEED: 'from-the-caller',
  FORCE_COLOR: '3',
};

test('testEnv drops OTEL_*, HMAC_SLO_* and FORCE_COLOR and keeps the rest', () => {
  const env = testEnv({ ...CALLER, PATH: '/bin', TZ: 'Pacific/Kiritimati', HOME: '/home/x', LANG: 'de_DE.UTF-8', HTTP_PROXY: 'http://127.0.0.1:9', OTELX: 'kept', MY_OTEL_Y: 'kept', NO_COLOR: '1' });
  assert.deepEqual(env, { PATH: '/bin', TZ: 'Pacific/Kiritimati', HOME: '/home/x', LANG: 'de_DE.UTF-8', HTTP_PROXY: 'http://127.0.0.1:9', OTELX: 'kept', MY_OTEL_Y: 'kept', NO_COLOR: '1' });
});

test('a process a test starts sees what the test passes, not the caller\'s OTEL_* or HMAC_SLO_*', async () => {
  const saved = Object.fromEntries([...Object.keys(CALLER), 'TZ'].map((k) => [k, process.env[k]]));
  Object.assign(process.env, CALLER, { TZ: 'America/St_Johns' });
  const dir = mkdtempSync(join(tmpdir(), 'hmac-slo-child-env-'));
  const children = new Children(dir);
  try {
    const child = children.spawn('print-env', process.execPath, ['-e', 'process.stdout.write(JSON.stringify(process.env))'], { env: { OTEL_SERVICE_NAME: 'given-by-the-test' } });
    assert.deepEqual(await child.exited, { code: 0, signal: null }, child.output());
    const seen = JSON.parse(child.output()) as Record<string, string>;
    for (const name of Object.keys(CALLER)) assert.equal(seen[name], undefined, `${name} reached the child`);
    assert.equal(seen.OTEL_SERVICE_NAME, 'given-by-the-test');
    assert.equal(seen.TZ, 'America/St_Johns');
    assert.equal(seen.PATH, process.env.PATH);
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await children.killAll();
    rmSync(dir, { recursive: true, force: true });
  }
});
