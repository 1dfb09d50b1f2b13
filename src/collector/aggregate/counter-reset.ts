/**
 * The one counter-reset rule of the collector, Prometheus's: a cumulative value that went down (or
 * whose stream restarted) counts from 0 again, so all of the new value is new events. The
 * aggregator applies it to each pusher's readings, so its totals never go down; the SLO engine and
 * key usage apply it to the aggregated totals they sample, which can still restart from 0 when
 * state is lost (a damaged snapshot, an expired series whose remembered total was dropped).
 */

/** Events between two readings of one counter; `restarted`: the reading's source says it began again. */
export function increaseSince(previous: number, current: number, restarted = current < previous): number {
  return restarted ? current : current - previous;
}

/**
 * Counters read together (an SLO's bad and total events) restarted together when any one went
 * down: the increase of each is then its whole new value.
 */
export function anyWentDown(previous: readonly number[], current: readonly number[]): boolean {
  for (let i = 0; i < current.length; i++) if (current[i]! < previous[i]!) return true;
  return false;
}
