/**
 * Reading docker-compose.yml the way Docker would: `docker-compose config` (Debian's docker-compose,
 * no engine needed) resolves it, and the helpers below map a container path back to the repository
 * file or directory mounted there.
 */
import { spawnSync } from 'node:child_process';
import { isAbsolute, relative, resolve } from 'node:path';
import { parse } from 'yaml';

export const ROOT = resolve(import.meta.dirname, '..', '..');

export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string } | string;
  command?: string[] | string;
  volumes?: (string | { type: string; source: string; target: string; read_only?: boolean })[];
  environment?: Record<string, string>;
  ports?: (string | { target: number; published: number | string; host_ip?: string })[];
  depends_on?: Record<string, { condition: string }> | string[];
}

export interface ComposeModel {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/** Run `docker-compose -f docker-compose.yml config`; returns its exit status, output and the parsed model. */
export function composeConfig(): { status: number | null; stdout: string; stderr: string; model: ComposeModel } {
  const run = spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr, model: (run.status === 0 ? parse(run.stdout) : { services: {} }) as ComposeModel };
}

interface Mount {
  source: string;
  target: string;
  bind: boolean;
}

function mounts(service: ComposeService): Mount[] {
  return (service.volumes ?? []).map((v) => {
    if (typeof v !== 'string') return { source: v.source, target: v.target, bind: v.type === 'bind' };
    const [source = '', target = ''] = v.split(':');
    return { source, target, bind: isAbsolute(source) || source.startsWith('.') };
  });
}

/**
 * The repository path a container path of `service` comes from, through its bind mounts (the
 * deepest mount wins, as in Docker); undefined when no bind mount covers it.
 */
export function hostPath(service: ComposeService, containerPath: string): string | undefined {
  let best: Mount | undefined;
  for (const m of mounts(service)) {
    if (!m.bind) continue;
    const rel = relative(m.target, containerPath);
    if (rel.startsWith('..') || isAbsolute(rel)) continue;
    if (!best || m.target.length > best.target.length) best = m;
  }
  if (!best) return undefined;
  return resolve(best.source, relative(best.target, containerPath));
}

/** `--flag=value` or `--flag value` from a command list. */
export function flagValue(command: ComposeService['command'], flag: string): string | undefined {
  const args = Array.isArray(command) ? command : (command ?? '').split(/\s+/);
  for (let i = 0; i < args.length; i++) {
    if (args[i] === flag) return args[i + 1];
    if (args[i]!.startsWith(`${flag}=`)) return args[i]!.slice(flag.length + 1);
  }
  return undefined;
}
