/**
 * Serves the status page (`/`, `/style.css`, `/app.js`) for the collector's HTTP server. Everything
 * else falls through (the handler returns false), so the collector's own routes stay in charge of
 * `/api/*`, `/metrics` and OTLP.
 *
 * It only reads files: `static/` next to this module holds index.html, style.css and app.js, the
 * browser script bundled ahead of time by scripts/build-ui.mjs (`npm run build` writes
 * dist/src/ui/static; `npm start` and `npm test` write src/ui/static/app.js first). No bundler runs
 * inside the collector.
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface UiHandlerOptions {
  /** Directory holding index.html, style.css and the bundled app.js; `static/` next to this module by default. */
  readonly staticDir?: string;
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
  return join(HERE, 'static');
}

export function createUiHandler(options: UiHandlerOptions = {}): UiHandler {
  const staticDir = options.staticDir ?? defaultStaticDir();
  const cache = new Map<string, Promise<Asset>>();

  const load = (name: string, make: () => Promise<Asset>): Promise<Asset> => {
    let pending = cache.get(name);
    if (!pending) {
      pending = make();
      cache.set(name, pending);
      // A failed load (e.g. the bundle not built yet) is retried on the next request.
      pending.catch(() => cache.delete(name));
    }
    return pending;
  };

  const file = (name: string, type: string, missing = '') => () =>
    load(name, async () => {
      try {
        return { body: await readFile(join(staticDir, name)), type };
      } catch (err) {
        throw (err as NodeJS.ErrnoException).code === 'ENOENT' && missing ? new Error(missing) : err;
      }
    });

  const routes: Readonly<Record<string, () => Promise<Asset>>> = {
    '/': file('index.html', 'text/html; charset=utf-8'),
    '/index.html': file('index.html', 'text/html; charset=utf-8'),
    '/style.css': file('style.css', 'text/css; charset=utf-8'),
    '/app.js': file('app.js', 'text/javascript; charset=utf-8', `no bundled script in ${staticDir}: run \`npm run build:ui\` (from a checkout) or \`npm run build\``),
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
