#!/usr/bin/env node
// Bundles the status page's browser script (src/ui/app.ts with its pure helpers and the metric
// contract's reason list) into one self-contained ES module, `app.js`, next to index.html and style.css.
//   node scripts/build-ui.mjs                      → src/ui/static/app.js (git-ignored; `npm start` and
//                                                    `npm test` run this first, so the sources serve it)
//   node scripts/build-ui.mjs dist/src/ui/static   → the built package's copy (`npm run build`), with
//                                                    index.html and style.css copied beside it
// The collector only reads these files; esbuild is a build tool (a devDependency), never loaded at run time.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const sources = join(root, 'src', 'ui', 'static');
const out = resolve(process.argv[2] ?? sources);

mkdirSync(out, { recursive: true });
if (out !== resolve(sources)) for (const name of ['index.html', 'style.css']) copyFileSync(join(sources, name), join(out, name));
await build({
  entryPoints: [join(root, 'src', 'ui', 'app.ts')],
  outfile: join(out, 'app.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  // Resolve @hmac-slo/instrumentation to its TypeScript (the package's `source` export): no need to
  // build that package first.
  conditions: ['source'],
  legalComments: 'none',
  logLevel: 'warning',
});
