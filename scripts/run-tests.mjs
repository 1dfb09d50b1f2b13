#!/usr/bin/env node
// `npm test`: every *.test.ts under test/ and instrumentation/test/, with node's built-in runner.
// Node 20's runner does not expand quoted globs or find .ts files by itself, so we list them.
// Extra arguments are passed to node (e.g. `npm test -- --test-name-pattern=replay`).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { testEnv } from '../test/support/test-env.mjs';

function find(dir) {
  let out = [];
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries.sort()) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out = out.concat(find(path));
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const files = [...find('instrumentation/test'), ...find('test')];
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const args = ['--conditions=source', '--import', 'tsx', '--test', '--test-concurrency=2', ...process.argv.slice(2), ...files];
// The caller's OTEL_* and HMAC_SLO_* settings must not reach the code under test (test-env.mjs).
const result = spawnSync(process.execPath, args, { stdio: 'inherit', env: testEnv() });
process.exit(result.status ?? 1);
