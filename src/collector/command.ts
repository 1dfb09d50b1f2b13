/** `hmac-slo collector`: run the OTLP collector (see docs/collector.md). */
import type { Command } from 'commander';
import { loadConfig, ConfigError } from '../config/load.js';

export function register(program: Command): void {
  program
    .command('collector')
    .description('Run the OTLP collector: aggregate auth SLIs, compute SLOs, expose them to Prometheus.')
    .option('--config <file>', 'hmac-slo.yaml (defaults apply when omitted)')
    .option('--listen <host:port>', 'address to listen on (default: collector.listen, 127.0.0.1:9464)')
    .option('--state-dir <dir>', 'directory for the snapshot and push log (default: collector.stateDir)')
    .option('--no-ui', 'do not serve the status page')
    .option('--web.config.file <file>', 'TLS and read authentication, exporter-toolkit format (default: collector.webConfigFile)')
    .action(async (opts: { config?: string; listen?: string; stateDir?: string; ui: boolean; 'web.config.file'?: string }) => {
      const { default: pino } = await import('pino');
      const log = pino({ name: 'hmac-slo-collector' });
      let config;
      try {
        config = loadConfig(opts.config);
      } catch (err) {
        if (err instanceof ConfigError) {
          log.fatal({ err: err.message }, 'invalid configuration');
          process.stderr.write(`${err.message}\n`);
          process.exit(2);
        }
        throw err;
      }
      const { runCollector } = await import('./run.js');
      const { WebConfigError } = await import('./web-config.js');
      const { AuthConfigError } = await import('./auth.js');
      let running;
      try {
        running = await runCollector({
          config,
          listen: opts.listen ?? config.collector.listen,
          stateDir: opts.stateDir ?? config.collector.stateDir,
          ui: opts.ui && config.collector.ui,
          webConfigFile: opts['web.config.file'] ?? config.collector.webConfigFile,
          log,
        });
      } catch (err) {
        // A web config or push credential error is a configuration error: exit 2, as above.
        const configError = err instanceof WebConfigError || err instanceof AuthConfigError;
        log.fatal({ err: (err as Error).message }, configError ? 'invalid configuration' : 'collector failed to start');
        process.stderr.write(`hmac-slo collector: ${(err as Error).message}\n`);
        process.exit(configError ? 2 : 1);
      }
      const onSignal = (signal: string) => {
        log.info({ signal }, 'shutting down');
        running.stop().then(
          () => process.exit(0),
          (err: unknown) => {
            log.error({ err: (err as Error).message }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', () => onSignal('SIGTERM'));
      process.once('SIGINT', () => onSignal('SIGINT'));
    });
}
