/**
 * `npm run build`, once per test run, for the tests that need the compiled package. Node's runner
 * starts each test file in its own process, several at a time: a lock directory lets one of them
 * build while the others wait, and a stamp holding the runner's pid (the files' common parent)
 * tells the later ones that this run's build is done. Run alone, a file builds for itself.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const ROOT = resolve(import.meta.dirname, '..', '..');
/** The installed `hmac-slo` bin (package.json "bin"). */
export const BIN = join(ROOT, 'dist', 'src', 'cli.js');

const WORK = join(ROOT, '.tmp');
const LOCK = join(WORK, 'build.lock');
const STAMP = join(WORK, 'build.done');

const read = (path: string) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
};

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

export async function buildOnce(timeoutMs = 180_000): Promise<void> {
  const run = String(process.ppid);
  mkdirSync(WORK, { recursive: true });
  for (const deadline = Date.now() + timeoutMs; ; ) {
    if (read(STAMP) === run) return;
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      // Another file is building; a lock left by a killed process is taken over.
      const owner = Number(read(join(LOCK, 'pid')));
      if (owner && !alive(owner)) rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`the build did not finish within ${timeoutMs} ms (lock ${LOCK})`);
      await sleep(200);
    }
  }
  try {
    writeFileSync(join(LOCK, 'pid'), String(process.pid));
    if (read(STAMP) === run) return;
    const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8', timeout: timeoutMs });
    if (r.status !== 0) throw new Error(`npm run build failed (${r.status ?? r.signal ?? r.error?.message}):\n${r.stdout}${r.stderr}`);
    writeFileSync(STAMP, run);
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}
