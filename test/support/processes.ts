/**
 * Child processes of the multi-process tests (end-to-end, Prometheus, Alertmanager): each one's stdout and stderr go to a log file under
 * test-output/e2e/ (kept after the run for debugging), and every child is killed by `killAll()`,
 * which the test calls from an `after` hook whatever happened.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { testEnv } from './test-env.mjs';

export const ROOT = resolve(import.meta.dirname, '..', '..');

/**
 * How long a stopped child gets to exit on its own before SIGKILL. A collector's graceful stop
 * writes its final snapshot in a worker thread that tsx compiles first: 2-7 s for an empty state
 * on a busy 2-core machine, and over 10 s with state (the exit code was then null, not 0).
 */
export const STOP_GRACE_MS = 30_000;

/**
 * How long a child may take to start (listening, ready). Only a child that never starts waits it out:
 * tsx compiles a collector's sources at each start, which took tens of seconds on a busy 2-core
 * machine (the end-to-end stack's five processes: 53-113 s together).
 */
export const START_DEADLINE_MS = 60_000;
export const OUTPUT_DIR = join(ROOT, 'test-output', 'e2e');

/** The environment of a child process: the caller's without what configures the code under test (test-env.mjs), plus `extra`. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...testEnv(), ...extra };
}

/**
 * The address a Prometheus-family server (Prometheus, Alertmanager) started with
 * `--web.listen-address=127.0.0.1:0` actually bound, from its `msg="Listening on" address=…` log
 * line. Binding port 0 leaves no window for another process to take a port probed free beforehand.
 */
export function listeningAddress(child: Child, timeoutMs = START_DEADLINE_MS): Promise<string> {
  return waitFor(`${child.name} listening`, () => {
    const m = /msg="Listening on" address=(127\.0\.0\.1:[1-9][0-9]*)/.exec(child.output());
    if (m) return m[1];
    if (!child.running()) throw new GiveUp(`${child.name} exited before listening:\n${child.output()}`);
    return undefined;
  }, timeoutMs, 100);
}

/**
 * `http://host:port` of a Prometheus-family server once it is listening (`listeningAddress`) and its
 * `/-/ready` answers 200.
 */
export async function readyUrl(child: Child, timeoutMs = START_DEADLINE_MS): Promise<string> {
  const url = `http://${await listeningAddress(child, timeoutMs)}`;
  await waitFor(`${child.name} ready`, async () => {
    if (!child.running()) throw new GiveUp(`${child.name} exited before ready:\n${child.output()}`);
    return (await fetch(`${url}/-/ready`)).ok;
  }, timeoutMs);
  return url;
}

/** Thrown by a `waitFor` check to stop waiting at once (e.g. the process exited). */
export class GiveUp extends Error {}

/**
 * Poll `check` until it returns a value other than undefined/false, or throw after `timeoutMs`.
 * Errors the check throws count as "not yet", except `GiveUp`, which ends the wait.
 */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      if (err instanceof GiveUp) throw err;
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    await sleep(everyMs);
  }
}

export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly logFile: string;
  /** Everything written so far (stdout and stderr, interleaved). */
  output(): string;
  /** Stdout alone: what a test parses, unbroken by a warning Node writes to stderr meanwhile. */
  stdout(): string;
  /** Calls `fn` with each complete stdout line as it arrives. */
  onLine(fn: (line: string, at: number) => void): void;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  running(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  kill(): Promise<void>;
}

export class Children {
  private readonly all = new Set<Child>();
  private readonly logs: WriteStream[] = [];
  private counter = 0;

  constructor(readonly outputDir = OUTPUT_DIR) {
    mkdirSync(outputDir, { recursive: true });
  }

  spawn(name: string, command: string, args: readonly string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Child {
    const logFile = join(this.outputDir, `${String(++this.counter).padStart(2, '0')}-${name}.log`);
    const log = createWriteStream(logFile);
    this.logs.push(log);
    log.write(`$ ${command} ${args.join(' ')}\n`);
    const proc = spawn(command, args, { cwd: opts.cwd ?? ROOT, env: childEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    let stdout = '';
    let partial = '';
    const lineListeners: ((line: string, at: number) => void)[] = [];
    proc.stdout!.on('data', (d: Buffer) => {
      const s = d.toString();
      text += s;
      stdout += s;
      log.write(s);
      partial += s;
      const lines = partial.split('\n');
      partial = lines.pop()!;
      const at = Date.now();
      for (const line of lines) for (const fn of lineListeners) fn(line, at);
    });
    proc.stderr!.on('data', (d: Buffer) => {
      text += d.toString();
      log.write(d);
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
      proc.once('exit', (code, signal) => {
        log.write(`\n[exit code=${code} signal=${signal}]\n`);
        res({ code, signal });
      }),
    );
    const child: Child = {
      name,
      process: proc,
      logFile,
      output: () => text,
      stdout: () => stdout,
      onLine: (fn) => void lineListeners.push(fn),
      exited,
      running: () => proc.exitCode === null && proc.signalCode === null,
      async stop(graceMs = STOP_GRACE_MS) {
        if (!child.running()) return;
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(t);
      },
      async kill() {
        if (!child.running()) return;
        proc.kill('SIGKILL');
        await exited;
      },
    };
    this.all.add(child);
    return child;
  }

  /** Stop every child still running: SIGTERM with a short grace, then SIGKILL. */
  async killAll(graceMs = 3000): Promise<void> {
    await Promise.all([...this.all].map((c) => c.stop(graceMs).catch(() => undefined)));
    await Promise.all(this.logs.map((l) => new Promise((r) => l.end(r))));
  }
}
