/**
 * Benchmark timing helpers shared by bench/*.bench.ts. Variants are measured in interleaved rounds
 * (A B C … A B C …) and summarised by their median, so a noisy neighbour on a shared machine
 * slows every variant alike instead of one of them. Also: a child process's CPU time and memory,
 * from /proc (the processes themselves are started by test/support, as in the tests).
 */
import { readFileSync } from 'node:fs';

export interface Variant {
  name: string;
  /** One call of the operation under test; `i` lets a variant vary its input. */
  run: (i: number) => unknown;
}

export interface Measured {
  name: string;
  nsPerCall: number;
  /** Every round's ns/call, for the spread. */
  rounds: number[];
}

/**
 * `wall`: elapsed time. `cpu`: CPU time the process used (user + system, `process.cpuUsage()`), which
 * on a machine shared with other work leaves out the time the process waited for a core: far
 * steadier there for CPU-bound code (a loaded 2-core VM moved wall time by ±40 % and CPU time by
 * ±10 % in the same rounds). It also counts the process's other threads (V8's background GC and
 * compiler), which is work the measured code caused.
 */
export type Clock = 'wall' | 'cpu';

export function measure(variants: Variant[], options: { warmup?: number; batch?: number; rounds?: number; clock?: Clock } = {}): Measured[] {
  const warmup = options.warmup ?? 20_000;
  const batch = options.batch ?? 5_000;
  const rounds = options.rounds ?? 9;
  const elapsedNs = options.clock === 'cpu' ? cpuElapsedNs : wallElapsedNs;
  let sink = 0;
  for (const v of variants) for (let i = 0; i < warmup; i++) if (v.run(i) === undefined) sink++;
  const samples = variants.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    variants.forEach((v, k) => {
      const since = elapsedNs();
      for (let i = 0; i < batch; i++) if (v.run(i) === undefined) sink++;
      samples[k]!.push(since() / batch);
    });
  }
  if (sink < 0) console.log(sink); // keep results observable so nothing is optimised away
  return variants.map((v, k) => ({ name: v.name, nsPerCall: median(samples[k]!), rounds: samples[k]! }));
}

/** Starts a stopwatch; calling the result gives the nanoseconds since. */
function wallElapsedNs(): () => number {
  const start = process.hrtime.bigint();
  return () => Number(process.hrtime.bigint() - start);
}

function cpuElapsedNs(): () => number {
  const start = process.cpuUsage();
  return () => {
    const { user, system } = process.cpuUsage(start);
    return (user + system) * 1000;
  };
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function table(rows: Array<Record<string, string | number>>): string {
  const cols = Object.keys(rows[0] ?? {});
  const cell = (v: string | number) => (typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: 0 }) : v);
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(cell(r[c] ?? '')).length)));
  const line = (vals: string[]) => vals.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ');
  return [line(cols), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(cols.map((c) => String(cell(r[c] ?? '')))))].join('\n');
}

/** CPU time (user + system) a process has used so far, ms (from /proc, 10 ms ticks). */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // After "pid (comm) ": state is field 3, utime field 14, stime field 15.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

export function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Resident memory a process uses now, MiB (VmRSS). */
export function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}
