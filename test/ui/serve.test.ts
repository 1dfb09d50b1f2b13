// The UI handler on a real loopback HTTP server: what it answers, what it leaves to the collector.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUiHandler, defaultStaticDir } from '../../src/ui/serve.js';

let server: Server;
let base: string;

before(async () => {
  const ui = createUiHandler();
  server = createServer((req, res) => {
    if (ui(req, res)) return;
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not the ui\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

test('/ serves the page, with its query string (filters) ignored by the server', async () => {
  for (const path of ['/', '/?job=payments&reason=replay', '/index.html']) {
    const res = await fetch(base + path);
    assert.equal(res.status, 200, path);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    const html = await res.text();
    assert.match(html, /<script type="module" src="app.js"><\/script>/);
    assert.match(html, /<link rel="stylesheet" href="style.css">/);
  }
});

test('the page may load nothing from other origins and no inline script', async () => {
  const res = await fetch(`${base}/`);
  const csp = res.headers.get('content-security-policy') ?? '';
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.match(csp, /connect-src 'self'/);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  const html = await res.text();
  assert.doesNotMatch(html, /https?:\/\//, 'the HTML references no external URL');
  assert.doesNotMatch(html, /<script>(?!<\/script>)/, 'no inline script body');
  assert.doesNotMatch(html, / on[a-z]+="/, 'no inline event handler');
});

test('/app.js is one self-contained browser module compiled from app.ts', async () => {
  const res = await fetch(`${base}/app.js`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/javascript/);
  const js = await res.text();
  assert.doesNotMatch(js, /^\s*import\s/m, 'bundled: no import statements left for the browser to resolve');
  assert.doesNotMatch(js, /\binterface\s+\w+\s*\{/, 'no TypeScript syntax left');
  assert.match(js, /api\/slo/);
  assert.match(js, /signature_mismatch/, 'the failure-reason list comes from the metric contract');
  // No CDN or other origin: the only absolute URL is the SVG namespace identifier.
  const urls = new Set(js.match(/https?:\/\/[^\s"'`)]+/g) ?? []);
  assert.deepEqual([...urls], ['http://www.w3.org/2000/svg']);
  // Cached: a second request returns the same bytes.
  assert.equal(await (await fetch(`${base}/app.js`)).text(), js);
});

test('/style.css is served as CSS', async () => {
  const res = await fetch(`${base}/style.css`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/css/);
  assert.match(await res.text(), /\.card/);
});

test('HEAD answers headers without a body; other methods get 405 naming the allowed ones', async () => {
  const head = await fetch(`${base}/`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.ok(Number(head.headers.get('content-length')) > 100);
  assert.equal(await head.text(), '');
  const post = await fetch(`${base}/`, { method: 'POST', body: 'x' });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get('allow'), 'GET, HEAD');
  assert.match(await post.text(), /POST is not allowed on \/: use GET/);
});

test('everything else falls through to the collector (APIs, metrics, files outside the page)', async () => {
  for (const path of ['/api/slo', '/metrics', '/v1/metrics', '/static/index.html', '/../package.json', '/%2e%2e/package.json', '/app.ts', '/serve.ts']) {
    const res = await fetch(base + path);
    assert.equal(res.status, 404, path);
    assert.equal(await res.text(), 'not the ui\n', path);
  }
});

test('the favicon request is answered quietly', async () => {
  const res = await fetch(`${base}/favicon.ico`);
  assert.equal(res.status, 204);
});

test('without the bundled script (never built), /app.js answers 500 saying how to build it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hmac-slo-ui-'));
  const bare = createServer((req, res) => void createUiHandler({ staticDir: dir })(req, res));
  try {
    copyFileSync(join(defaultStaticDir(), 'index.html'), join(dir, 'index.html'));
    await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;
    assert.equal((await fetch(`${url}/`)).status, 200);
    const res = await fetch(`${url}/app.js`);
    assert.equal(res.status, 500);
    assert.match(await res.text(), /no bundled script in .*: run `npm run build:ui`/);
  } finally {
    await new Promise<void>((resolve) => bare.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  }
});
