/**
 * What a user gets from npm, without the repository: both packages built and packed with `npm pack`
 * from a copy of the checkout, installed from the tarballs into a fresh project together with
 * express, stripe, @opentelemetry/sdk-node and prom-client (`--prefer-offline`: the local npm cache
 * serves them). The collector runs from the installed `hmac-slo` bin; a plain-JavaScript Stripe
 * webhook app under an OTEL_*-configured NodeSDK pushes to it; the metrics arrive. The programmatic
 * entry (`main`, `types`) and the `./prom-client` subpath load from the installed packages.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { INSTRUMENTS } from '@hmac-slo/instrumentation/contract';
import { startCollector, type CollectorProcess } from '../support/collector.js';
import { Children, ROOT, waitFor } from '../support/processes.js';
import { sendStripe, STRIPE_ENDPOINT_SECRET } from '../roads/stripe-app.js';

const tmp = mkdtempSync(join(tmpdir(), 'hmac-slo-packed-'));
const stage = join(tmp, 'stage');
const project = join(tmp, 'project');
const children = new Children(join(tmp, 'logs'));
let collector: CollectorProcess | undefined;

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
}

/**
 * A copy of the checkout to build and pack in (the checkout's own dist/ belongs to
 * test/build/compiled-bin.test.ts), its node_modules linked to the checkout's except the
 * workspace package, which points at the copy.
 */
function stageCheckout(): void {
  // Build output, dependencies and what never ships, at the top level and in instrumentation/.
  const skip = new Set(['node_modules', '.git', 'dist', 'test-output', 'test', 'bench', '.hmac-slo-state']);
  const copied = (src: string) => {
    const parts = relative(ROOT, src).split('/');
    return !(parts.length <= 2 && skip.has(parts.at(-1)!));
  };
  cpSync(ROOT, stage, { recursive: true, filter: copied });
  mkdirSync(join(stage, 'node_modules', '@hmac-slo'), { recursive: true });
  for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
    if (entry !== '@hmac-slo') symlinkSync(join(ROOT, 'node_modules', entry), join(stage, 'node_modules', entry));
  }
  symlinkSync(join(stage, 'instrumentation'), join(stage, 'node_modules', '@hmac-slo', 'instrumentation'));
}

before(async () => {
  stageCheckout();
  // No build here: a checkout has no dist/, and `npm pack` must build it itself (prepack), as `npm publish` does.
  assert.ok(!existsSync(join(stage, 'dist')) && !existsSync(join(stage, 'instrumentation', 'dist')), 'the staged checkout starts without build output');
  const packed = (dir: string) => JSON.parse(run('npm', ['pack', '--json', '--pack-destination', tmp], dir))[0].filename as string;
  const tarballs = [packed(join(stage, 'instrumentation')), packed(stage)].map((f) => join(tmp, f));
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'packed-user', private: true, type: 'module' }));
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...tarballs, 'express@^5.1.0', 'stripe@^23.0.0', '@opentelemetry/sdk-node@~0.223.0', '@opentelemetry/instrumentation-http@~0.223.0', 'prom-client@~15.1.3'], project);
  // The telemetry setup the docs show, and the user's app.
  copyFileSync(join(ROOT, 'test', 'roads', 'fixtures', 'otel-setup.mjs'), join(project, 'telemetry.mjs'));
  copyFileSync(join(import.meta.dirname, 'fixtures', 'packed-app.mjs'), join(project, 'app.mjs'));
});

after(async () => {
  await children.killAll();
  await collector?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

test('the tarballs hold what the installed packages need, and nothing of the repository', () => {
  const installed = join(project, 'node_modules');
  for (const file of ['hmac-slo/dist/src/cli.js', 'hmac-slo/dist/src/index.js', 'hmac-slo/dist/src/index.d.ts', 'hmac-slo/dist/src/ui/static/app.js', 'hmac-slo/mixin.libsonnet',
    '@hmac-slo/instrumentation/dist/index.js', '@hmac-slo/instrumentation/dist/prom-client.js', '@hmac-slo/instrumentation/dist/contract.d.ts',
    // Both declare Apache-2.0, which asks that the license text go with the package.
    'hmac-slo/LICENSE', '@hmac-slo/instrumentation/LICENSE']) {
    assert.ok(existsSync(join(installed, file)), file);
  }
  for (const dir of ['hmac-slo/test', 'hmac-slo/src', 'hmac-slo/node_modules/@hmac-slo', 'hmac-slo/instrumentation']) assert.ok(!existsSync(join(installed, dir)), `${dir} should not be installed`);
});

test('as installed: the programmatic entry embeds a collector, the prom-client subpath loads', () => {
  const out = run(process.execPath, ['--input-type=module', '-e', `
    const { startCollector } = await import('hmac-slo');
    const { registerPromClientMetrics } = await import('@hmac-slo/instrumentation/prom-client');
    const collector = await startCollector({ listen: '127.0.0.1:0', stateDir: ${JSON.stringify(join(tmp, 'embedded'))}, ui: false });
    const res = await fetch(collector.url + '/metrics');
    await collector.stop();
    console.log('RESULT', res.status, typeof registerPromClientMetrics);`], project);
  assert.match(out, /^RESULT 200 function$/m, out);
});

test('as installed: a CommonJS app requires the instrumentation and its prom-client subpath', () => {
  // An Express app in CommonJS: require() of the ES modules (Node 20.19+), through the "default" condition.
  const out = run(process.execPath, ['--no-warnings', '-e', `
    const { instrumentVerifier } = require('@hmac-slo/instrumentation');
    const { registerPromClientMetrics } = require('@hmac-slo/instrumentation/prom-client');
    const { Registry } = require('prom-client');
    const registry = new Registry();
    registerPromClientMetrics(registry);
    instrumentVerifier(() => true, { scheme: 'cjs-app' })();
    registry.metrics().then((text) => console.log('RESULT', /hmac_scheme="cjs-app"/.test(text)));`], project);
  assert.match(out, /^RESULT true$/m, out);
});

test('the installed hmac-slo bin receives the metrics of a wrapped verifier under an env-configured NodeSDK', async () => {
  mkdirSync(join(tmp, 'collector'));
  collector = await startCollector({ dir: join(tmp, 'collector'), cli: [join(project, 'node_modules', '.bin', 'hmac-slo')] });
  const app = children.spawn('packed-app', process.execPath, ['--import', './telemetry.mjs', 'app.mjs'], {
    cwd: project,
    env: {
      STRIPE_ENDPOINT_SECRET,
      OTEL_SERVICE_NAME: 'packed-app',
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_LOGS_EXPORTER: 'none',
      OTEL_METRIC_EXPORT_INTERVAL: '500',
    },
  });
  const url = await waitFor('the app listening', () => {
    if (!app.running()) throw new Error(`the app exited:\n${app.output()}`);
    return /\{"listening":"([^"]+)"\}/.exec(app.output())?.[1];
  }, 20_000, 50);
  assert.equal(await sendStripe(url, 'valid'), 200);
  assert.equal(await sendStripe(url, 'wrong-secret'), 401);
  const family = INSTRUMENTS.verifications.prometheus;
  const lines = await waitFor('verifications at the collector', async () => {
    const text = await (await fetch(`${collector!.url}/metrics`)).text();
    const l = text.split('\n').filter((x) => x.startsWith(`${family}{`) && x.includes('job="packed-app"'));
    return l.length >= 2 ? l : undefined;
  }, 20_000, 200);
  assert.ok(lines.some((l) => l.includes('hmac_outcome="accepted"')), lines.join('\n'));
  assert.ok(lines.some((l) => l.includes('error_type="signature_mismatch"')), lines.join('\n'));
});
