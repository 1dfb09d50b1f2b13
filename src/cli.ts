#!/usr/bin/env node
/**
 * The `hmac-slo` command. Each subcommand lives in its own module and registers itself here:
 *   hmac-slo collector   run the OTLP collector        (src/collector/command.ts)
 *   hmac-slo generate    render dashboards and rules   (src/generate/command.ts)
 *   hmac-slo demo        collector + demo workload     (src/demo/command.ts)
 */
import { Command } from 'commander';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url).pathname.replace('/dist/package.json', '/package.json'), 'utf8')) as { version: string };

const program = new Command('hmac-slo')
  .description('Observable HMAC request authentication: collector, SLOs, dashboards and alerts.')
  .version(pkg.version)
  .showHelpAfterError();

const modules = ['./collector/command.js', './generate/command.js', './demo/command.js'];
for (const m of modules) {
  try {
    const mod = (await import(m)) as { register(program: Command): void };
    mod.register(program);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw err;
  }
}

await program.parseAsync(process.argv);
