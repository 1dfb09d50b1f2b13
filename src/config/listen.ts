/**
 * `HOST:PORT` listen addresses (`127.0.0.1:9464`, `[::1]:9464`, `:9464` for the loopback default),
 * shared by the config schema (`collector.listen`) and the `--listen` flag so both refuse the same
 * strings.
 */
const LISTEN = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/;

export function readListen(listen: string): { host: string; port: number } | undefined {
  const m = LISTEN.exec(listen.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) return undefined;
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

export const isListenAddress = (listen: string): boolean => readListen(listen) !== undefined;
