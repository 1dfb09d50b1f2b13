/**
 * A write to the state directory failed (disk full, I/O error): the collector cannot keep what it
 * would acknowledge. Pushes that meet one are answered 503 `storage_unavailable` (OTLP exporters
 * retry it), never 401 or 500.
 */
export class StorageError extends Error {
  constructor(what: string, cause: unknown) {
    const code = (cause as NodeJS.ErrnoException)?.code;
    super(`${what}: ${code ?? (cause as Error)?.message ?? String(cause)}`, { cause });
  }
}
