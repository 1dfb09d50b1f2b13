/**
 * Test helpers for `hmac-slo demo`: run it as a real child process, read its JSON lines, poll a
 * collector while it runs, and parse the collector's exposition into sums by label.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { hkdfSync } from 'node:crypto';
import type { FailuresApiResponse } from '../../src/collector/model.js';
import { SOURCE_CLI } from '../support/collector.js';
import { childEnv } from '../support/processes.js';

export interface DemoLine {
  msg: string;
  [key: string]: unknown;
}

export interface DemoProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Parsed JSON lines of stdout (non-JSON lines skipped). */
  lines(): DemoLine[];
  /** Resolves with the first line matching, or rejects after `timeoutMs` / on exit. */
  waitFor(pred: (line: DemoLine) => boolean, timeoutMs: number): Promise<DemoLine>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(): void;
}

export function runDemo(args: readonly string[], env: Record<string, string> = {}): DemoProcess {
  const child = spawn(process.execPath, [...SOURCE_CLI, 'demo', ...args], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'pipe'],
    env: childEnv(env),
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const lines = (): DemoLine[] =>
    out.split('\n').flatMap((l) => {
      if (!l.startsWith('{')) return [];
      try {
        return [JSON.parse(l) as DemoLine];
      } catch {
        return [];
      }
    });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    lines,
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
    waitFor: (pred, timeoutMs) =>
      new Promise<DemoLine>((resolve, reject) => {
        const deadline = Date.now() + timeoutMs;
        const check = () => {
          const hit = lines().find(pred);
          if (hit) return resolve(hit);
          if (child.exitCode !== null || child.signalCode !== null) {
            return reject(new Error(`demo exited (${child.exitCode ?? child.signalCode}) first:\n${out.slice(-3000)}\n${err.slice(-3000)}`));
          }
          if (Date.now() > deadline) return reject(new Error(`timed out waiting for a demo line:\n${out.slice(-3000)}\n${err.slice(-3000)}`));
          setTimeout(check, 100);
        };
        check();
      }),
  };
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

/** Sums `name` samples by a key built from their labels; zero sums are left out. */
export function sumBy(samples: readonly Sample[], name: string, key: (labels: Record<string, string>) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) {
    if (s.name !== name) continue;
    const k = key(s.labels);
    out[k] = (out[k] ?? 0) + s.value;
  }
  for (const k of Object.keys(out)) if (out[k] === 0) delete out[k];
  return out;
}

/** `{ job: { sub: n } }` from `job|sub` keys. */
export function nest(flat: Record<string, number>): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [k, v] of Object.entries(flat)) {
    const i = k.indexOf('|');
    (out[k.slice(0, i)] ??= {})[k.slice(i + 1)] = v;
  }
  return out;
}

/**
 * The demo's documented key derivation (docs/demo.md): HKDF-SHA256 over the seed with salt
 * "hmac-slo demo key derivation v1" and the key ID as info, 32 bytes.
 */
export function demoSecret(seed: string, keyId: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(seed, 'utf8'), Buffer.from('hmac-slo demo key derivation v1', 'utf8'), Buffer.from(keyId, 'utf8'), 32));
}

/** Every spelling of a secret that could end up in text. */
export function secretSpellings(secret: Buffer): string[] {
  return [secret.toString('hex'), secret.toString('hex').toUpperCase(), secret.toString('base64'), secret.toString('base64url'), secret.toString('latin1')];
}

/** What a collector shows at one moment: the raw texts (for the secrets check) and the parsed parts. */
export interface CollectorView {
  metrics: string;
  failures: Pick<FailuresApiResponse, 'failures'>;
  texts: string[];
}

export async function viewCollector(url: string): Promise<CollectorView> {
  const get = async (path: string) => {
    const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(3_000) });
    return res.text();
  };
  const [metrics, failures, slo, keys] = await Promise.all([get('/metrics'), get('/api/failures?limit=500'), get('/api/slo'), get('/api/keys')]);
  return { metrics, failures: JSON.parse(failures) as CollectorView['failures'], texts: [metrics, failures, slo, keys] };
}
