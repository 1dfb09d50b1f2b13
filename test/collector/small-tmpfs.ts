/** A small tmpfs for disk-full tests (needs root to mount; `undefined` where mounting is not allowed). */
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../support/collector.js';

export interface SmallTmpfs {
  readonly dir: string;
  /** Writes a filler file until the filesystem refuses another byte. */
  fill(): void;
  /** Removes the filler: space is back. */
  free(): void;
  cleanup(): void;
}

export function mountSmallTmpfs(size = '256k'): SmallTmpfs | undefined {
  const tmp = tempDir();
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', tmp.dir], { stdio: 'pipe' });
  } catch {
    tmp.cleanup();
    return undefined;
  }
  const filler = join(tmp.dir, 'filler');
  return {
    dir: tmp.dir,
    fill() {
      const fd = openSync(filler, 'a');
      for (const n of [4096, 512, 1]) {
        try {
          for (;;) writeSync(fd, Buffer.alloc(n));
        } catch {
          // ENOSPC at this size: go on with smaller writes to use the last bytes
        }
      }
      closeSync(fd);
    },
    free: () => unlinkSync(filler),
    cleanup() {
      // Lazy: a file a failed test left open does not keep the mount.
      execFileSync('umount', ['-l', tmp.dir], { stdio: 'pipe' });
      tmp.cleanup();
    },
  };
}
