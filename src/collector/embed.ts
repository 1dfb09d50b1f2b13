/**
 * `startCollector`: the collector inside a process of your own (tests, a sidecar launcher, a
 * serverless dev server), configured like `hmac-slo collector` — the same config, the same defaults.
 * It installs no signal handlers: call `stop()` (it writes the final snapshot) when you are done.
 */
import type { Logger } from 'pino';
import { loadConfig, parseConfig } from '../config/load.js';
import { runCollector, type RunningCollector } from './run.js';

export interface StartCollectorOptions {
  /** A path to `hmac-slo.yaml`, or the config as an object (validated, defaults filled in); default: all defaults. */
  config?: string | Record<string, unknown>;
  /** `HOST:PORT` (port 0: the OS picks; read it from the returned `url`); default `collector.listen`. */
  listen?: string;
  /** Default `collector.stateDir`. */
  stateDir?: string;
  /** Serve the status page; default `collector.ui`. */
  ui?: boolean;
  /** TLS and read credentials (docs/collector.md); default `collector.webConfigFile`. */
  webConfigFile?: string;
  /** A pino logger; default: JSON lines on stdout, as the CLI writes them. */
  log?: Logger;
}

export type { RunningCollector };

export async function startCollector(opts: StartCollectorOptions = {}): Promise<RunningCollector> {
  const config = typeof opts.config === 'object' ? parseConfig(opts.config) : loadConfig(opts.config);
  const { collector } = config;
  return runCollector({
    config,
    listen: opts.listen ?? collector.listen,
    stateDir: opts.stateDir ?? collector.stateDir,
    ui: opts.ui ?? collector.ui,
    webConfigFile: opts.webConfigFile ?? collector.webConfigFile,
    ...(opts.log ? { log: opts.log } : {}),
  });
}
