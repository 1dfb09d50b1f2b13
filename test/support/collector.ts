/**
 * The one place tests start `hmac-slo collector` as a real child process: on an OS-chosen loopback
 * port (`--listen 127.0.0.1:0`, URL read from its "collector listening" log line), restarted on the
 * same state directory (and, for `Collector`, the same port), stopped or killed; plus readers of its
 * Prometheus exposition and sampling tick.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SloApiResponse, SloStatus } from '../../src/collector/model.js';
import { childEnv, Children, GiveUp, START_DEADLINE_MS, STOP_GRACE_MS, waitFor, type Child } from './processes.js';

/** How node runs the CLI from the TypeScript sources (test/build passes the compiled bin instead). */
export const SOURCE_CLI: readonly string[] = ['--conditions=source', '--import', 'tsx', 'src/cli.ts'];

/** The URL of the collector's "collector listening" JSON log line in `output`, once written. */
export function listeningUrl(output: string): string | undefined {
  for (const line of output.split('\n')) {
    if (!line.includes('collector listening')) continue;
    try {
      return (JSON.parse(line) as { url: string }).url;
    } catch {
      // a line still being written
    }
  }
  return undefined;
}

export interface CollectorProcess {
  readonly url: string;
  readonly child: ChildProcess;
  output(): string;
  /** SIGTERM (SIGKILL after STOP_GRACE_MS); resolves with the exit code. */
  stop(): Promise<number | null>;
  kill(): Promise<void>;
}

export function tempDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'hmac-slo-collector-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface StartOptions {
  dir: string;
  configYaml?: string;
  args?: readonly string[];
  env?: Record<string, string>;
  /** Serve the status page (default: `--no-ui`). */
  ui?: boolean;
  /** Also wait until `/readyz` answers 200 (default: the listening line is enough). */
  ready?: boolean;
  /** How node runs the CLI (default: the TypeScript sources through tsx; test/build passes the compiled bin). */
  cli?: readonly string[];
}

export async function startCollector(opts: StartOptions): Promise<CollectorProcess> {
  const config = join(opts.dir, 'hmac-slo.yaml');
  writeFileSync(config, opts.configYaml ?? '{}\n');
  const child = spawn(
    process.execPath,
    [...(opts.cli ?? SOURCE_CLI), 'collector', '--config', config, '--listen', '127.0.0.1:0', '--state-dir', join(opts.dir, 'state'), ...(opts.ui ? [] : ['--no-ui']), ...(opts.args ?? [])],
    { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'], env: childEnv(opts.env) },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // 'close' comes after the output pipes drained: the log then holds the reason of a refused start.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const running = () => child.exitCode === null && child.signalCode === null;
  let url: string;
  try {
    url = await waitFor('collector listening', () => {
      if (!running()) throw new GiveUp(`collector exited with ${child.exitCode} before listening`);
      return listeningUrl(out);
    }, START_DEADLINE_MS, 50);
    if (opts.ready) {
      await waitFor('collector ready', async () => {
        if (!running()) throw new GiveUp(`collector exited with ${child.exitCode} before it was ready`);
        return (await fetch(`${url}/readyz`)).ok;
      }, START_DEADLINE_MS, 100);
    }
  } catch (err) {
    child.kill('SIGKILL');
    await closed;
    throw new Error(`${(err as Error).message}:\n${out}`);
  }
  return {
    url,
    child,
    output: () => out,
    async stop() {
      if (!running()) return child.exitCode;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
    async kill() {
      if (!running()) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** A collector in a directory of its own, removed when it stops. */
export async function startInTempDir(opts: Omit<StartOptions, 'dir'> = {}): Promise<CollectorProcess> {
  const tmp = tempDir();
  let c: CollectorProcess;
  try {
    c = await startCollector({ dir: tmp.dir, ...opts });
  } catch (err) {
    tmp.cleanup();
    throw err;
  }
  return {
    ...c,
    async stop() {
      const code = await c.stop();
      tmp.cleanup();
      return code;
    },
  };
}

/** Runs `fn` against a fresh collector with `configYaml`, then stops it and removes its state. */
export async function withCollector(configYaml: string, fn: (c: CollectorProcess) => Promise<void>): Promise<void> {
  const tmp = tempDir();
  const c = await startCollector({ dir: tmp.dir, configYaml });
  try {
    await fn(c);
  } finally {
    await c.stop();
    tmp.cleanup();
  }
}

/**
 * One collector for the tests of a file: started in a `before` hook, stopped (and its directory
 * removed) in an `after` hook. Returns a getter, valid once the hook has run.
 */
export function collectorPerFile(opts: { configYaml?: string; env?: Record<string, string> } = {}): () => CollectorProcess {
  let tmp: ReturnType<typeof tempDir> | undefined;
  let collector: CollectorProcess | undefined;
  before(async () => {
    tmp = tempDir();
    collector = await startCollector({ dir: tmp.dir, ...opts });
  });
  after(async () => {
    await collector?.stop();
    tmp?.cleanup();
  });
  return () => collector!;
}

/** `name{labels}` → value, labels sorted, from Prometheus text (comments skipped). */
export function parseExposition(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!m) throw new Error(`unparseable exposition line: ${line}`);
    const labels = m[2] ? [...m[2].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((x) => `${x[1]}=${x[2]}`).sort() : [];
    out.set(`${m[1]}{${labels.join(',')}}`, Number(m[3]));
  }
  return out;
}

/** Key for `parseExposition` maps. */
export function seriesKey(name: string, labels: Record<string, string>): string {
  return `${name}{${Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .sort()
    .join(',')}}`;
}

const SAMPLES = seriesKey('hmac_slo_collector_samples_total', {});

/**
 * Resolves once the collector at `url` has sampled its aggregates (its tick: 10 s / timeScale)
 * after this call began. Reads never sample, so `/api/slo` shows pushes acknowledged before this
 * call only after it resolves.
 */
export async function afterNextSample(url: string, timeoutMs = 30_000): Promise<void> {
  const samples = async () => parseExposition(await (await fetch(`${url}/metrics`)).text()).get(SAMPLES) ?? 0;
  const before = await samples();
  const deadline = Date.now() + timeoutMs;
  while ((await samples()) <= before) {
    if (Date.now() > deadline) throw new Error(`no sample of the aggregates within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A collector among the `Children` of a multi-process test (its log in the test's output directory):
 * on a loopback port picked by the OS at the first start and kept across restarts so the pushers and
 * Prometheus find it again, with its state directory and config file.
 */
export class Collector {
  child!: Child;
  private starts = 0;
  /** 0 until the first start has bound one. */
  port = 0;

  constructor(
    private readonly children: Children,
    readonly name: string,
    readonly stateDir: string,
    readonly configFile: string,
  ) {}

  get hostPort(): string {
    return `127.0.0.1:${this.port}`;
  }
  get url(): string {
    return `http://${this.hostPort}`;
  }

  async start(): Promise<void> {
    this.starts++;
    this.child = this.children.spawn(`${this.name}${this.starts > 1 ? `-restart${this.starts - 1}` : ''}`, process.execPath, [
      ...SOURCE_CLI, 'collector',
      '--listen', this.hostPort, '--state-dir', this.stateDir, '--no-ui', '--config', this.configFile,
    ]);
    const url = await waitFor(`${this.name} listening`, () => {
      if (!this.child.running()) throw new GiveUp(`${this.name} exited:\n${this.child.output()}`);
      return listeningUrl(this.child.output());
    }, START_DEADLINE_MS, 100);
    this.port = Number(new URL(url).port);
  }

  /** SIGKILL: no shutdown, no final snapshot. */
  async kill(): Promise<void> {
    await this.child.kill();
  }

  async metrics(): Promise<Map<string, number>> {
    const res = await fetch(`${this.url}/metrics`);
    if (!res.ok) throw new Error(`${this.name} /metrics: ${res.status}`);
    return parseExposition(await res.text());
  }

  async slo(): Promise<readonly SloStatus[]> {
    const res = await fetch(`${this.url}/api/slo`);
    if (!res.ok) throw new Error(`${this.name} /api/slo: ${res.status}`);
    return ((await res.json()) as SloApiResponse).slos;
  }
}
