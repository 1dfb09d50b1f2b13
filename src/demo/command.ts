/**
 * `hmac-slo demo` (what `npm start` runs): a collector plus a realistic workload of signed calls,
 * driven through the seed guide's failure modes. Interface: docs/demo.md.
 */
import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../config/load.js';
import type { ScenarioName } from './scenarios.js';
import { parseDuration, parseExportInterval, parseListenFlag, parseLogFormat, parsePushTo, parseScenarios, parseSpeed, parseTour } from './options.js';
import { TOURS, type TourName } from './tour.js';

/** A stop signal repeated sooner than this after the first is a copy of it (npm forwards Ctrl-C), not a second press. */
const REPEAT_GRACE_MS = 1000;

interface DemoFlags {
  config?: string;
  listen?: string;
  stateDir: string;
  pushTo?: string[];
  scenario?: ScenarioName[];
  tour: TourName;
  speed?: number;
  duration?: number;
  loop?: boolean;
  totals?: string;
  exportInterval?: number;
  logFormat?: 'pretty' | 'json';
  ui: boolean;
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('Run the collector with a demo workload of signed calls that goes through the HMAC failure modes (see docs/demo.md).')
    .option('--config <file>', 'hmac-slo.yaml for the embedded collector and the verifiers (defaults apply when omitted)')
    .option('--listen <host:port>', 'embedded collector address (default: collector.listen, 127.0.0.1:9464)', parseListenFlag)
    .option('--state-dir <dir>', 'embedded collector state directory', '.hmac-slo-state/demo')
    .option('--push-to <urls>', 'push to these collector base URLs (comma list) instead of an embedded collector', parsePushTo)
    .option('--scenario <names>', 'all (default), or a comma list of: steady, canonicalization, clock-drift, replay, revoked-key, rotation-lag, kms-outage, proxy-body, canary', parseScenarios)
    .option('--tour <tour>', 'quick (default: every failure mode in ~7 minutes at 30x, with background noise) or full (the realistic timeline, ~3.5 hours at speed 1)', parseTour, 'quick')
    .option('--speed <n>', 'compress demo time n-fold (match `hmac-slo generate --time-scale n`; default: 30 for the quick tour, 1 for the full one)', parseSpeed)
    .option('--duration <dur>', 'stop after this much real time, e.g. 90s, 10m (default: when the timeline ends)', parseDuration)
    .option('--loop', 'repeat the timeline until stopped')
    .option('--totals <file>', "write the services' own counts to this JSON file (after exports and at exit)")
    .option('--export-interval <ms>', 'metric and span export interval of every service (default: 30 s of demo time, 250 ms to 5 s)', parseExportInterval)
    .option('--log-format <format>', 'pretty or json (default: pretty on a terminal, json otherwise)', parseLogFormat)
    .option('--no-ui', 'do not serve the status page from the embedded collector')
    .action(async (flags: DemoFlags) => {
      let config;
      try {
        config = loadConfig(flags.config);
      } catch (err) {
        if (err instanceof ConfigError) {
          process.stderr.write(`hmac-slo demo: ${err.message}\n`);
          process.exit(2);
        }
        throw err;
      }
      const { runDemo, defaultExportIntervalMs } = await import('./run.js');
      const speed = flags.speed ?? TOURS[flags.tour].defaultSpeed;
      const { SECRET_SEED_ENV } = await import('./secrets.js');
      const stopSignal = new Promise<string>((resolve) => {
        const onSignal = (signal: string) => {
          resolve(signal);
          const firstAt = Date.now();
          // A second Ctrl-C means "now": skip the graceful stop. But `npm start` forwards the
          // terminal's SIGINT to the demo, which got it from the terminal too: one press arrives
          // twice at once. A repeat within REPEAT_GRACE_MS is that same press.
          const again = () => {
            if (Date.now() - firstAt < REPEAT_GRACE_MS) process.once(signal, again);
            else process.exit(130);
          };
          process.once(signal, again);
        };
        process.once('SIGINT', () => onSignal('SIGINT'));
        process.once('SIGTERM', () => onSignal('SIGTERM'));
      });
      try {
        await runDemo({
          config,
          listen: flags.listen ?? config.collector.listen,
          stateDir: flags.stateDir,
          pushTo: flags.pushTo,
          scenarios: flags.scenario ?? parseScenarios('all'),
          tour: flags.tour,
          speed,
          durationMs: flags.duration,
          loop: flags.loop === true,
          totalsFile: flags.totals,
          exportIntervalMs: flags.exportInterval ?? defaultExportIntervalMs(speed),
          logFormat: flags.logFormat ?? (process.stdout.isTTY ? 'pretty' : 'json'),
          ui: flags.ui,
          secretSeed: process.env[SECRET_SEED_ENV],
          stopSignal,
        });
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        const hint = e.code === 'EADDRINUSE' ? ' (another collector or demo is running: stop it, or pass --listen 127.0.0.1:0)' : '';
        process.stderr.write(`hmac-slo demo: ${e.message}${hint}\n`);
        process.exit(1);
      }
      process.exit(0);
    });
}
