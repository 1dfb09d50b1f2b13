#!/usr/bin/env node
/**
 * The `hmac-slo` command. Each subcommand lives in its own module and registers itself here:
 *   hmac-slo collector   run the OTLP collector        (src/collector/command.ts)
 *   hmac-slo generate    render dashboards and rules   (src/generate/command.ts)
 *   hmac-slo demo        collector + demo workload     (src/demo/command.ts)
 */
import { Command } from 'commander';
import { register as registerCollector } from './collector/command.js';
import { register as registerGenerate } from './generate/command.js';
import { register as registerDemo } from './demo/command.js';
import { packageVersion } from './version.js';

const program = new Command('hmac-slo')
  .description('Observable HMAC request authentication: collector, SLOs, dashboards and alerts.')
  .version(packageVersion())
  .showHelpAfterError('(hmac-slo <command> --help lists the options)');

registerCollector(program);
registerGenerate(program);
registerDemo(program);

await program.parseAsync(process.argv);
