/**
 * The package as installed: `npm run build` emits everything the `hmac-slo` bin needs, and the bin
 * runs as plain compiled JavaScript (no tsx loader, no `source` condition, no bundler at run time):
 * it serves the status page with its prebuilt script, /metrics, accepts a push, and proves its
 * snapshots in the worker thread (snapshot-check-worker.js, loaded by path).
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { INSTRUMENTS } from '@hmac-slo/instrumentation/contract';
import { parseExposition, seriesKey, startCollector, tempDir } from '../support/collector.js';
import { postVerifications } from '../collector/otlp-json-push.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
  main?: string;
  types?: string;
  dependencies: Record<string, string>;
};
const DIST = join(ROOT, 'dist');
/** The installed `hmac-slo` bin (package.json "bin"). */
const BIN = join(DIST, 'src', 'cli.js');

// The one test file that builds into the checkout's dist/ (a second or two with tsgo); the Docker
// check in test/deploy builds its own copy from the Dockerfile's COPY list.
before(() => {
  const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });
  assert.equal(r.status, 0, `npm run build failed (${r.signal ?? r.error?.message ?? r.status}):\n${r.stdout}${r.stderr}`);
});

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? jsFiles(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : [],
  );
}

test('the build emits the bin, the snapshot worker and the status page with its bundled script', () => {
  assert.equal(join(ROOT, pkg.bin['hmac-slo']!), BIN);
  for (const file of ['src/cli.js', 'src/collector/state/snapshot-check-worker.js', 'src/ui/static/index.html', 'src/ui/static/style.css', 'src/ui/static/app.js']) {
    assert.ok(existsSync(join(DIST, file)), `dist/${file} is missing after npm run build`);
  }
  for (const file of ['index.js', 'contract.js']) assert.ok(existsSync(join(ROOT, 'instrumentation', 'dist', file)), `instrumentation/dist/${file}`);
  // "main" and "types" name files that exist, or are absent (the root package has no programmatic API yet).
  for (const field of [pkg.main, pkg.types]) if (field) assert.ok(existsSync(join(ROOT, field)), `${field} does not exist`);
});

test('tsx and esbuild are build tools: not runtime dependencies, and no compiled file imports them', () => {
  for (const name of ['tsx', 'esbuild']) assert.ok(!(name in pkg.dependencies), `${name} is a runtime dependency`);
  const runtime = new Set([...Object.keys(pkg.dependencies)]);
  for (const file of jsFiles(join(DIST, 'src'))) {
    if (file.startsWith(join(DIST, 'src', 'ui', 'static'))) continue; // the browser bundle imports nothing
    // ES imports only (`from '…'`, `import('…')`, a bare `import '…'` statement), not text that
    // mentions one, such as the jsonnet `(import 'config.json')` the mixin generator writes.
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s*)["']([^"'.][^"']*)["']/gm)) {
      const spec = m[1]!;
      if (spec.startsWith('node:') || spec.includes(' ')) continue; // node built-ins; text such as "from 'a b'"
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
      assert.ok(runtime.has(name), `${relative(ROOT, file)} imports ${spec}, which is not a runtime dependency`);
    }
  }
});

test('node dist/src/cli.js collector, with no tsx loader: status page, /metrics, a push, snapshots proven in the worker', async () => {
  const tmp = tempDir();
  const run = { dir: tmp.dir, ui: true, cli: [BIN], env: { NODE_OPTIONS: '' } };
  let c = await startCollector(run);
  try {
    const page = await fetch(`${c.url}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<script type="module" src="app.js"><\/script>/);
    const script = await fetch(`${c.url}/app.js`);
    assert.equal(script.status, 200);
    assert.match(script.headers.get('content-type') ?? '', /^text\/javascript/);
    const js = await script.text();
    assert.equal(js, readFileSync(join(DIST, 'src', 'ui', 'static', 'app.js'), 'utf8'), 'the script built by npm run build');
    assert.doesNotMatch(js, /^\s*import\s/m, 'bundled: nothing left for the browser to resolve');
    assert.match(js, /signature_mismatch/);
    assert.equal((await fetch(`${c.url}/style.css`)).status, 200);

    const pushed = await postVerifications(c.url, { resources: [{ job: 'built' }], temporality: 1, values: { accepted: 3 } });
    assert.equal(pushed.status, 200, await pushed.text());
    const series = seriesKey(INSTRUMENTS.verifications.prometheus, { job: 'built', hmac_outcome: 'accepted' });
    const scrape = await fetch(`${c.url}/metrics`);
    assert.equal(scrape.status, 200);
    assert.equal(parseExposition(await scrape.text()).get(series), 3);

    // SIGTERM writes a final snapshot, proven in the worker thread before it replaces state.json.
    assert.equal(await c.stop(), 0, c.output());
    assert.match(c.output(), /"msg":"snapshot written"/);
    assert.doesNotMatch(c.output(), /snapshot check worker failed/, 'the compiled worker was found and ran');
    assert.doesNotMatch(c.output(), /tsx|esbuild/i);

    // The next start loads that snapshot.
    c = await startCollector(run);
    assert.equal(parseExposition(await (await fetch(`${c.url}/metrics`)).text()).get(series), 3);
  } finally {
    await c.stop();
    tmp.cleanup();
  }
});
