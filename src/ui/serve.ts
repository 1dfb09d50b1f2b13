/**
 * Serves the status page (`/`, `/style.css`, `/app.js`) for the collector's HTTP server. Everything
 * else falls through (the handler returns false), so the collector's own routes stay in charge of
 * `/api/*`, `/metrics` and OTLP.
 *
 * Why `/app.js` is compiled at run time, on the first request, and cached: the project runs from
 * TypeScript sources (`npm start` is `node --import tsx`), so a separate browser build step would be
 * one more thing to forget; esbuild is already installed (tsx uses it) and bundles app.ts and its
 * pure helpers in tens of milliseconds, once. Compiling lazily means `--no-ui` and API-only
 * deployments never start esbuild at all. From a `dist/` build, the same bundling runs on the
 * tsc-emitted `app.js`.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface UiHandlerOptions {
  /** Directory holding index.html and style.css; found next to this module by default. */
  readonly staticDir?: string;
  /** The browser script's entry (app.ts from sources, app.js from dist); found by default. */
  readonly entry?: string;
}

export type UiHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

const HERE = dirname(fileURLToPath(import.meta.url));

/**
 * The page may talk only to the collector that served it: no inline script, no other origin. The
 * script sets element sizes through the CSSOM (`el.style.width`), which `style-src 'self'` allows.
 */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

interface Asset {
  readonly body: Buffer;
  readonly type: string;
}

export function defaultStaticDir(): string {
  // From sources: src/ui/static. From dist/src/ui (tsc does not copy non-TS files): the package's src/ui/static.
  const candidates = [join(HERE, 'static'), join(HERE, '..', '..', '..', 'src', 'ui', 'static')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? candidates[0]!;
}

export function defaultEntry(): string {
  const ts = join(HERE, 'app.ts');
  return existsSync(ts) ? ts : join(HERE, 'app.js');
}

/** Bundles the browser script (app + pure helpers + the contract's reason list) into one ES module. */
export async function compileApp(entry: string = defaultEntry()): Promise<string> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    // From sources, resolve @hmac-slo/instrumentation to its TypeScript (the package's `source` export).
    conditions: entry.endsWith('.ts') ? ['source'] : [],
    legalComments: 'none',
    logLevel: 'silent',
  });
  const out = result.outputFiles[0];
  if (!out) throw new Error(`esbuild produced no output for ${entry}`);
  return out.text;
}

export function createUiHandler(options: UiHandlerOptions = {}): UiHandler {
  const staticDir = options.staticDir ?? defaultStaticDir();
  const entry = options.entry ?? defaultEntry();
  const cache = new Map<string, Promise<Asset>>();

  const load = (name: string, make: () => Promise<Asset>): Promise<Asset> => {
    let pending = cache.get(name);
    if (!pending) {
      pending = make();
      cache.set(name, pending);
      // A failed load (e.g. a syntax error while developing) is retried on the next request.
      pending.catch(() => cache.delete(name));
    }
    return pending;
  };

  const file = (name: string, type: string) => () =>
    load(name, async () => ({ body: await readFile(join(staticDir, name)), type }));

  const routes: Readonly<Record<string, () => Promise<Asset>>> = {
    '/': file('index.html', 'text/html; charset=utf-8'),
    '/index.html': file('index.html', 'text/html; charset=utf-8'),
    '/style.css': file('style.css', 'text/css; charset=utf-8'),
    '/app.js': () =>
      load('app.js', async () => ({ body: Buffer.from(await compileApp(entry)), type: 'text/javascript; charset=utf-8' })),
  };

  return (req, res) => {
    let pathname: string;
    try {
      pathname = new URL(req.url ?? '/', 'http://ui.invalid').pathname;
    } catch {
      return false;
    }
    if (pathname === '/favicon.ico') {
      // Browsers ask for it on every visit; answer quietly instead of logging a 404.
      res.writeHead(204, SECURITY_HEADERS).end();
      return true;
    }
    const route = routes[pathname];
    if (!route) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...SECURITY_HEADERS, allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      res.end(`${req.method ?? 'this method'} is not allowed on ${pathname}: use GET\n`);
      return true;
    }
    route().then(
      (asset) => {
        res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': asset.type, 'content-length': asset.body.length });
        res.end(req.method === 'HEAD' ? undefined : asset.body);
      },
      (err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        res.writeHead(500, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' });
        res.end(`status page asset ${pathname} could not be prepared: ${message}\n`);
      },
    );
    return true;
  };
}
