/**
 * Starts `hmac-slo collector` as a real child process on a loopback port the OS picks (`--listen
 * 127.0.0.1:0`, the URL read from its "collector listening" log line) with a throwaway config and
 * state directory, and stops it (SIGTERM, then SIGKILL after a bound).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RunningCollector {
  readonly base: string;
  readonly child: ChildProcess;
  /** Everything the process wrote (JSON log lines), for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

export async function startCollector(opts: { args?: readonly string[]; configYaml?: string } = {}): Promise<RunningCollector> {
  const dir = mkdtempSync(join(tmpdir(), 'hmac-slo-ui-'));
  const config = join(dir, 'hmac-slo.yaml');
  writeFileSync(config, opts.configYaml ?? '{}\n');
  // Port 0, not a port probed free beforehand: between the probe and the child's bind (seconds
  // under load) another process could take it, and /readyz would then answer from someone else.
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', 'src/cli.ts', 'collector', '--config', config, '--listen', '127.0.0.1:0', '--state-dir', join(dir, 'state'), ...(opts.args ?? [])],
    { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  /** The URL from this process's own "collector listening" line, once it has written it. */
  const listeningUrl = (): string | undefined => {
    for (const line of out.split('\n')) {
      if (!line.includes('collector listening')) continue;
      try {
        return (JSON.parse(line) as { url: string }).url;
      } catch {
        // a line still being written
      }
    }
    return undefined;
  };

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 20_000;
  let base: string | undefined;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`collector exited with ${child.exitCode} before it was ready:\n${out}`);
    }
    base ??= listeningUrl();
    try {
      if (base && (await fetch(`${base}/readyz`)).ok) break;
    } catch {
      // not answering yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`collector not ready within 20 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { base: base!, child, output: () => out, stop };
}
