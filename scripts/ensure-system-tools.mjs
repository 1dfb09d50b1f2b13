#!/usr/bin/env node
// Runs before `npm test`: the tests start real Prometheus, Alertmanager, promtool, amtool, jsonnet,
// docker-compose and Chromium. Installs the Debian packages that provide them when they are missing
// and we are root; otherwise stops with the exact command to run.
import { execFileSync, spawnSync } from 'node:child_process';

const TOOLS = [
  { bin: 'prometheus', pkg: 'prometheus' },
  { bin: 'promtool', pkg: 'prometheus' },
  { bin: 'prometheus-alertmanager', pkg: 'prometheus-alertmanager' },
  { bin: 'amtool', pkg: 'prometheus-alertmanager' },
  { bin: 'jsonnet', pkg: 'jsonnet' },
  { bin: 'docker-compose', pkg: 'docker-compose' },
  { bin: 'chromium', pkg: 'chromium' },
];

const has = (bin) => spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
const missing = [...new Set(TOOLS.filter((t) => !has(t.bin)).map((t) => t.pkg))];
if (missing.length === 0) process.exit(0);

const command = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot || !has('apt-get')) {
  console.error(`The tests need these system packages: ${missing.join(', ')}.\nInstall them with:\n  sudo ${command}`);
  process.exit(1);
}
console.log(`pretest: installing ${missing.join(', ')} (${command})`);
try {
  execFileSync('sh', ['-c', command], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
} catch {
  console.error(`pretest: installing failed; run it yourself:\n  ${command}`);
  process.exit(1);
}
