/**
 * Small structural helpers shared by the per-library classifiers.
 *
 * Classifiers look only at an error's class name, `type`, status code and message text — never at
 * properties that carry request material (Stripe's `header`/`payload`, Hawk's `artifacts`/`credentials`).
 */
import type { FailureReason } from '../contract.js';
import { packageReporter } from '../telemetry/report.js';

/** A classifier for one library: a reason when it recognises the error, `undefined` otherwise. */
export type LibraryClassifier = (err: unknown) => FailureReason | undefined;

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** The `message` of an error-like value, or '' (never throws, even on exotic getters). */
export function messageOf(err: Record<string, unknown>): string {
  try {
    const m = err.message;
    return typeof m === 'string' ? m : '';
  } catch (e) {
    packageReporter.report("reading an error's message while classifying it", 'the message counts as empty', e);
    return '';
  }
}

/** The constructor name, which survives bundling and duplicated copies of a library. */
export function constructorNameOf(err: object): string {
  try {
    const c = (err as { constructor?: { name?: unknown } }).constructor;
    return typeof c?.name === 'string' ? c.name : '';
  } catch (e) {
    packageReporter.report("reading an error's constructor while classifying it", 'the constructor name counts as empty', e);
    return '';
  }
}
