/**
 * Failed spans' timestamps as the failure log keeps them: a time the status page and the API can
 * show. A span's time comes from the pusher's clock and may be anything (far in the future, before
 * the epoch, missing, or beyond what a Date can hold — which blanked the status page's failures
 * section). The failure itself is real, so it is kept, but a time outside [2000-01-01, received +
 * `maxSpanFuture`] is replaced by the time the collector received it, and counted by reason.
 */
import type { FailedSpan } from '../model.js';

/** Earlier times are not believed either (0 is what a span without times gives). */
export const MIN_SPAN_TIME_MS = Date.UTC(2000, 0, 1);

/** Why a span's time was replaced: `future` (beyond the allowed skew) or `past` (before 2000, missing, not a number). */
export type SpanTimeClamp = 'future' | 'past';

/** The span with a believable time (unchanged when it had one), and why it was clamped, if it was. */
export function clampSpanTime(span: FailedSpan, receivedMs: number, maxFutureMs: number): { span: FailedSpan; clamped?: SpanTimeClamp } {
  const t = span.timeUnixMs;
  if (Number.isFinite(t) && t >= MIN_SPAN_TIME_MS && t <= receivedMs + maxFutureMs) return { span };
  const clamped: SpanTimeClamp = Number.isFinite(t) && t > receivedMs ? 'future' : 'past';
  return { span: { ...span, timeUnixMs: receivedMs }, clamped };
}
