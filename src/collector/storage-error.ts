/**
 * A write to the state directory failed (disk full, I/O error): the collector cannot keep what it
 * would acknowledge. Pushes that meet one are answered 503 `storage_unavailable` (OTLP exporters
 * retry it), never 401 or 500. `code` is the errno code (`ENOSPC`, `EIO`, …).
 */
export class StorageError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}

/** A StorageError for a failed write of `what`, keeping the errno code of `cause`. */
export function storageError(what: string, cause: unknown): StorageError {
  const code = (cause as NodeJS.ErrnoException)?.code ?? 'EIO';
  return new StorageError(code, `${what} failed: ${(cause as Error)?.message ?? String(cause)}`);
}
