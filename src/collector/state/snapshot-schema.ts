/**
 * What a snapshot file must hold to be loaded: the version 1 envelope and the aggregates, every
 * field typed (`whole: false`, at start: a damaged SLO, failure-log or key-usage section then costs
 * only that section), or every section valid (`whole: true`, for a snapshot just written: one that
 * would not load whole never replaces the last one).
 */
import { parseAggregatorState } from '../aggregate/state.js';
import { parseSloEngineState } from '../slo/state.js';
import { parseFailureLogState } from '../failures/state.js';
import { parseKeyUsageState } from '../keys/state.js';

export interface Snapshot {
  readonly version: 1;
  readonly savedAtMs: number;
  /** The first log that holds pushes made after this snapshot. */
  readonly nextLog: number;
  readonly aggregator: unknown;
  readonly slo: unknown;
  /**
   * Failure log and key usage. Optional: a snapshot written before they were persisted has
   * neither, and loads with both empty.
   */
  readonly failures?: unknown;
  readonly keys?: unknown;
  readonly extra?: unknown;
}

/** Throws (naming the first problem) unless `parsed` is a snapshot that may be loaded. */
export function checkSnapshot(parsed: unknown, whole: boolean): Snapshot {
  const s = parsed as Snapshot;
  if (typeof s !== 'object' || s === null || s.version !== 1 || !Number.isInteger(s.nextLog) || typeof s.savedAtMs !== 'number') {
    throw new Error('not a version 1 snapshot');
  }
  parseAggregatorState(s.aggregator);
  if (whole) {
    parseSloEngineState(s.slo);
    if (s.failures !== undefined) parseFailureLogState(s.failures);
    if (s.keys !== undefined) parseKeyUsageState(s.keys);
  }
  return s;
}
