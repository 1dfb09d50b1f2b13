/**
 * Validation of one persisted section of the collector's state (SLO engine, failure log, key usage):
 * the first problem, as `path: message`, becomes the section's own error, so a damaged snapshot is
 * refused with a precise reason and never half-loaded.
 */
import type { z } from 'zod';

export function parseSection<S extends z.ZodType>(schema: S, json: unknown, error: (message: string) => Error): z.infer<S> {
  const result = schema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw error(`${issue.path.map(String).join('.') || '(top level)'}: ${issue.message}`);
  }
  return result.data;
}
