/**
 * Starting and stopping the collector process: config, state recovery, HTTP server, timers, and
 * a graceful shutdown on SIGTERM/SIGINT (stop accepting, finish in-flight requests, snapshot, exit 0).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { readListen } from '../config/listen.js';
import pino, { type Logger } from 'pino';
import type { HmacSloConfig } from '../config/schema.js';
import { CollectorCore } from './core.js';
import { samplePeriodMs, snapshotPeriodMs } from './schedule.js';
import { SelfMetrics } from './self-metrics.js';
import { CollectorServer } from './server.js';
import { createPushAuth } from './auth.js';
import { loadWebConfig, readAuthRequired, WebConfigError, type WebConfig } from './web-config.js';

export interface RunOptions {
  readonly config: HmacSloConfig;
  readonly listen: string;
  readonly stateDir: string;
  readonly ui: boolean;
  /** The web config file (TLS, read authentication); '' or absent = plain HTTP, reads open. */
  readonly webConfigFile?: string;
  readonly log?: Logger;
}

export interface RunningCollector {
  readonly url: string;
  readonly core: CollectorCore;
  stop(): Promise<void>;
}

export function parseListen(listen: string): { host: string; port: number } {
  const address = readListen(listen);
  if (!address) throw new Error(`--listen ${JSON.stringify(listen)}: expected HOST:PORT, e.g. 127.0.0.1:9464`);
  return address;
}

export async function runCollector(opts: RunOptions): Promise<RunningCollector> {
  const log = opts.log ?? pino({ name: 'hmac-slo-collector' });
  const { host, port } = parseListen(opts.listen);
  mkdirSync(opts.stateDir, { recursive: true });
  const auth = createPushAuth(opts.config.collector.auth, process.env, join(opts.stateDir, 'push-nonces.log'));
  if (auth.skippedNonceLines > 0) log.warn({ lines: auth.skippedNonceLines }, 'push-nonces.log: unreadable lines skipped (cut by a crash or a full disk)');
  let web: WebConfig | undefined;
  if (opts.webConfigFile) {
    try {
      web = loadWebConfig(opts.webConfigFile);
      // Read and push credentials are separate: with reads protected, open pushes would be an accident.
      if (readAuthRequired(web) && !auth.required) {
        throw new WebConfigError('the web config requires credentials for reads, but collector.auth configures none for pushes: configure push credentials too');
      }
    } catch (err) {
      auth.close();
      throw err;
    }
  }
  // One recorder of the collector's own metrics, shared by the core (pipeline events) and the server (HTTP events).
  const self = new SelfMetrics();
  const core = new CollectorCore(opts.config, opts.stateDir, log, self);
  core.recover();
  let ui;
  if (opts.ui) {
    const { createUiHandler } = await import('../ui/serve.js');
    ui = createUiHandler();
  }
  const server = new CollectorServer({ core, self, log, auth, ui, ...(web ? { web } : {}) });
  let address;
  try {
    address = await server.listen(host, port);
  } catch (err) {
    // Port in use, say: release the push log and the nonce file, as an embedding process
    // (startCollector) lives on and may try again.
    core.close();
    auth.close();
    throw err;
  }
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${web?.tls ? 'https' : 'http'}://${shownHost}:${address.port}`;
  const readAuth = web ? readAuthRequired(web) : false;
  log.info({ url, stateDir: opts.stateDir, auth: auth.required, readAuth, tls: web?.tls ? web.clientAuth : false, ui: opts.ui }, 'collector listening');

  const onError = (what: string) => (err: unknown) => log.error({ err: (err as Error).message }, what);
  const tick = setInterval(() => core.tick(Date.now()).catch(onError('periodic tick failed')), samplePeriodMs(opts.config));
  // One periodic snapshot at a time: writing a big state can take longer than the period.
  let snapshotting: Promise<void> | undefined;
  const snapshot = () => void (snapshotting ??= core.snapshot(Date.now()).finally(() => (snapshotting = undefined)));
  const snap = setInterval(snapshot, snapshotPeriodMs(opts.config));
  const sizeCheck = setInterval(() => {
    if (core.logBytes > opts.config.collector.snapshotLogBytes) snapshot();
  }, 1000);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      clearInterval(tick);
      clearInterval(snap);
      clearInterval(sizeCheck);
      await server.close();
      await core.tick(Date.now());
      await core.snapshot(Date.now());
      core.close();
      auth.close();
      log.info('collector stopped; state written');
    })());
  return { url, core, stop };
}
