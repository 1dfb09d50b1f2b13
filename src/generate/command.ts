/**
 * `hmac-slo generate [--config FILE] [--out DIR] [--time-scale N]`.
 *
 * Without options it refreshes the repository's committed outputs (`config.json`,
 * `dashboards/generated/*.json`, `alerts/generated/*.yaml`) from the default config. With `--config`
 * or `--time-scale` it renders a user's own config into `--out` (default `./hmac-slo-generated`):
 * `DIR/dashboards/*.json` for Grafana and `DIR/prometheus/{rules,alerts}.yaml` for Prometheus.
 */
import { relative } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { ConfigError, loadConfig } from '../config/index.js';
import { GenerateError, renderFiles, repositoryLayout, userLayout, writeFiles } from './render.js';

function positiveNumber(text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number, e.g. 60');
  return n;
}

interface GenerateFlags {
  config?: string;
  out?: string;
  timeScale?: number;
}

export function runGenerate(flags: GenerateFlags): string[] {
  const config = loadConfig(flags.config);
  if (flags.timeScale !== undefined) config.timeScale = flags.timeScale;
  const custom = flags.config !== undefined || flags.timeScale !== undefined;
  const layout = flags.out !== undefined ? userLayout(flags.out) : custom ? userLayout('hmac-slo-generated') : repositoryLayout();
  return writeFiles(renderFiles(config, layout), layout);
}

export function register(program: Command): void {
  program
    .command('generate')
    .description('render the Grafana dashboards and Prometheus recording rules and alerts for a config')
    .option('-c, --config <file>', 'hmac-slo.yaml to render (default: built-in defaults)')
    .option('-o, --out <dir>', 'output directory (default: the repository files, or ./hmac-slo-generated with --config)')
    .option('--time-scale <n>', 'divide every window, for and the period by n (tests and demos only)', positiveNumber)
    .action((flags: GenerateFlags) => {
      try {
        const written = runGenerate(flags);
        for (const file of written) process.stdout.write(`wrote ${relative(process.cwd(), file) || file}\n`);
      } catch (err) {
        if (err instanceof ConfigError || err instanceof GenerateError) {
          process.stderr.write(`hmac-slo generate: ${err.message}\n`);
          process.exitCode = 2;
          return;
        }
        throw err;
      }
    });
}
