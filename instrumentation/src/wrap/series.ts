/**
 * The one owner of an operation's series. A wrapper (verifier, signer, KMS, key store, replay cache)
 * describes its instruments and fixed attributes once; `OperationSeries` then owns everything the
 * hot path touches: the per-label cells (count table + histogram table, shared through the hub by
 * every wrapper with the same attributes), the hub table keys, and the mapping from a call's result to
 * a count slot and a histogram variant. The call path (wrap/engine.ts) only asks it to `record`.
 */
import type { Attributes } from '@opentelemetry/api';
import { ATTR, FAILURE_REASON_NAMES, OUTCOMES, outcomeOf, type FailureReason, type Outcome } from '../contract.js';
import { CounterCells, HistogramCells } from '../telemetry/cells.js';
import type { CounterName, HistogramName, Hub } from '../telemetry/hub.js';

const REASON_INDEX: Readonly<Record<FailureReason, number>> = Object.fromEntries(
  FAILURE_REASON_NAMES.map((r, i) => [r, i]),
) as Record<FailureReason, number>;
const OUTCOME_INDEX: Readonly<Record<Outcome, number>> = { accepted: 0, rejected: 1, error: 2 };

/**
 * How a call lands in the counter:
 *  - `reason`: "accepted", then one slot per failure reason (instruments with `error.type`);
 *  - `outcome`: one slot per outcome (the key-store counter has no `error.type`);
 *  - `replay`: `fresh` or `replayed` (a `replay` verdict); a cache that threw is not counted.
 */
export type CountBy = 'reason' | 'outcome' | 'replay';

const COUNTER_VARIANTS: Readonly<Record<CountBy, readonly Attributes[]>> = {
  reason: [
    { [ATTR.outcome]: 'accepted' },
    ...FAILURE_REASON_NAMES.map((r) => ({ [ATTR.outcome]: outcomeOf(r), [ATTR.errorType]: r })),
  ],
  outcome: OUTCOMES.map((o) => ({ [ATTR.outcome]: o })),
  replay: [{ [ATTR.replayResult]: 'fresh' }, { [ATTR.replayResult]: 'replayed' }],
};

export interface SeriesShape {
  readonly hub: Hub;
  readonly counter?: CounterName;
  readonly countBy?: CountBy;
  readonly histogram?: HistogramName;
  /** Histogram variants by outcome (durations), or one variant (clock skew). Default `outcome`. */
  readonly histogramBy?: 'outcome' | 'none';
  readonly buckets?: readonly number[];
  /** Fixed attributes; a cell's label is merged in under `labelKey` when given. */
  readonly base: Attributes;
  readonly labelKey?: string;
}

/** The series of one label (say scheme × key ID): where a call's count and value go. */
export interface SeriesCell {
  readonly label: string;
  readonly counter: CounterCells | undefined;
  readonly histogram: HistogramCells | undefined;
}

export class OperationSeries {
  private readonly cells = new Map<string, SeriesCell>();
  /** Hub tables are keyed by the full fixed attribute set, so wrappers with equal attributes share cells. */
  private readonly baseKey: string;
  private readonly countBy: CountBy;
  // What `record` reads on every call, copied out of the shape: shapes are object literals of several
  // forms (with or without a counter, a histogram...), and reading them on the hot path would make
  // those property reads polymorphic across wrappers.
  private readonly hub: Hub;
  private readonly histogramName: HistogramName | undefined;

  constructor(private readonly shape: SeriesShape) {
    this.baseKey = JSON.stringify(Object.entries(shape.base).sort());
    this.countBy = shape.countBy ?? 'reason';
    this.hub = shape.hub;
    this.histogramName = shape.histogram;
  }

  /** The cell asked for last: most calls of an operation carry the label of the one before. */
  private last: SeriesCell | undefined;

  /** The cell for a label (a key-ID label, or '' for operations without one); built once per label. */
  cell(label: string): SeriesCell {
    const last = this.last;
    if (last !== undefined && last.label === label) return last;
    const cached = this.cells.get(label);
    if (cached !== undefined) return (this.last = cached);
    const { hub, base, labelKey, counter, histogram } = this.shape;
    const attrs: Attributes = labelKey === undefined ? base : { ...base, [labelKey]: label };
    const key = `${this.baseKey}\u0000${label}`;
    const made: SeriesCell = {
      label,
      counter: counter === undefined ? undefined : hub.counter(counter, key, () => new CounterCells(attrs, COUNTER_VARIANTS[this.countBy])),
      histogram:
        histogram === undefined
          ? undefined
          : hub.histogramTable(histogram, key, () => {
              const variants = this.shape.histogramBy === 'none' ? [{}] : COUNTER_VARIANTS.outcome;
              return new HistogramCells(attrs, variants, this.shape.buckets ?? []);
            }),
    };
    this.cells.set(label, made);
    return (this.last = made);
  }

  /**
   * Counts one call (`reason` undefined = success; `failed` = it threw or rejected) and records
   * `value` (a duration in seconds) in the histogram, by outcome.
   */
  record(cell: SeriesCell, reason: FailureReason | undefined, failed: boolean, value: number, nowMs: number): void {
    const outcome = reason === undefined ? 0 : OUTCOME_INDEX[outcomeOf(reason)];
    const counter = cell.counter;
    if (counter !== undefined) {
      const slot = this.slot(reason, failed, outcome);
      if (slot >= 0) counter.counts[slot]! += 1;
    }
    const histogram = cell.histogram;
    // The histogram lookup also lets the global hub follow a newly installed provider; without one, ask.
    if (histogram !== undefined) histogram.record(value, outcome, this.hub.histogram(this.histogramName!, nowMs));
    else this.hub.touch(nowMs);
  }

  /** Records a value in a single-variant histogram (clock skew). */
  observe(cell: SeriesCell, value: number, nowMs: number): void {
    cell.histogram?.record(value, 0, this.hub.histogram(this.histogramName!, nowMs));
  }

  private slot(reason: FailureReason | undefined, failed: boolean, outcome: number): number {
    switch (this.countBy) {
      case 'reason':
        return reason === undefined ? 0 : 1 + REASON_INDEX[reason];
      case 'outcome':
        return outcome;
      case 'replay':
        return failed ? -1 : reason === undefined ? 0 : 1;
    }
  }
}
