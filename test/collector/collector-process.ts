/**
 * Test helpers for the collector tests: run `hmac-slo collector` as a real child process on an
 * OS-chosen loopback port (`--listen 127.0.0.1:0`, URL read from its "collector listening" log
 * line), restart it on the same state directory, kill it; parse its Prometheus exposition.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CollectorProcess {
  readonly url: string;
  readonly child: ChildProcess;
  output(): string;
  /** SIGTERM (SIGKILL after 10 s); resolves with the exit code. */
  stop(): Promise<number | null>;
  kill(): Promise<void>;
}

export function tempDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'hmac-slo-collector-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function startCollector(opts: {
  dir: string;
  configYaml?: string;
  args?: readonly string[];
  env?: Record<string, string>;
  /** Serve the status page (default: `--no-ui`). */
  ui?: boolean;
  /** How node runs the CLI (default: the TypeScript sources through tsx; test/build passes the compiled bin). */
  cli?: readonly string[];
}): Promise<CollectorProcess> {
  const config = join(opts.dir, 'hmac-slo.yaml');
  writeFileSync(config, opts.configYaml ?? '{}\n');
  const child = spawn(
    process.execPath,
    [...(opts.cli ?? ['--conditions=source', '--import', 'tsx', 'src/cli.ts']), 'collector', '--config', config, '--listen', '127.0.0.1:0', '--state-dir', join(opts.dir, 'state'), ...(opts.ui ? [] : ['--no-ui']), ...(opts.args ?? [])],
    { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`collector did not start within 20 s:\n${out}`));
    }, 20_000);
    const look = () => {
      for (const line of out.split('\n')) {
        if (!line.includes('collector listening')) continue;
        clearTimeout(timer);
        child.stdout!.off('data', look);
        resolve((JSON.parse(line) as { url: string }).url);
        return;
      }
    };
    child.stdout!.on('data', look);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`collector exited with ${code} before listening:\n${out}`));
    });
  });
  return {
    url,
    child,
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
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
