export {
  FailureLog,
  sanitizeFailedSpan,
  DEFAULT_RING_SIZE,
  DEFAULT_TOP_CLIENTS,
  DEFAULT_MAX_JOBS,
  DEFAULT_QUERY_LIMIT,
  type FailureLogOptions,
} from './log.js';
export { FailureQueryError, parseFailuresQuery, validateFailuresQuery, type FailuresQuery } from './query.js';
export { SpaceSaving, type TopItem } from './space-saving.js';
export { FailureStateError, parseFailureLogState, type FailureLogState } from './state.js';
export { clampSpanTime, DEFAULT_MAX_SPAN_FUTURE_MS, MIN_SPAN_TIME_MS, type SpanTimeClamp } from './time.js';
