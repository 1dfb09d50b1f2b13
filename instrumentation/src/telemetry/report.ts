/**
 * Problems the package swallows so that the caller's result never changes (a throwing `keyId`
 * extractor, a classifier that throws, a meter that fails) are reported through OpenTelemetry's
 * `diag` logger, as OpenTelemetry instrumentations do: once per distinct problem and reporter, never
 * per call (a broken extractor on a busy verifier would otherwise flood the log).
 *
 * The message names the problem and the thrown value's class only: an error's message may quote the
 * request (a header, a key ID) or secret material, and nothing of that may reach a log.
 */
import { diag } from '@opentelemetry/api';
import { PACKAGE_NAME } from '../version.js';

export class ProblemReporter {
  private readonly reported = new Set<string>();

  /** `where` names what was being done ("the keyId option"); `outcome` what happens instead. */
  report(where: string, outcome: string, error: unknown): void {
    if (this.reported.has(where)) return;
    this.reported.add(where);
    try {
      diag.warn(`${PACKAGE_NAME}: ${where} threw ${errorClassName(error)}; ${outcome}. Reported once; later failures of the same kind are not logged.`);
    } catch {
      // a broken diag logger must not break the caller either
    }
  }
}

/** Reporter for module-level code (the default classifiers), shared by the whole process. */
export const packageReporter = new ProblemReporter();

/** The class name of what was thrown: constructor name first (Stripe's errors say `name: 'Error'`). */
export function errorClassName(error: unknown): string {
  if (error === null || error === undefined) return String(error);
  if (typeof error !== 'object' && typeof error !== 'function') return typeof error;
  try {
    const ctor = (error as { constructor?: { name?: unknown } }).constructor?.name;
    if (typeof ctor === 'string' && ctor !== '' && ctor !== 'Object') return ctor;
    const name = (error as { name?: unknown }).name;
    return typeof name === 'string' && name !== '' ? name : 'Object';
  } catch {
    return 'Object'; // a hostile error object (throwing getters, a revoked proxy)
  }
}
