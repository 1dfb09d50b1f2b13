export {
  FailureLog,
  sanitizeFailedSpan,
  failureLogOptions,
  DEFAULT_QUERY_LIMIT,
  type FailureLogOptions,
} from './log.js';
export { FailureQueryError, parseFailuresQuery, validateFailuresQuery, type FailuresQuery } from './query.js';
export { SpaceSaving, type TopItem } from './space-saving.js';
export { FailureStateError, parseFailureLogState, type FailureLogState } from './state.js';
export { cleanCause, summarizeCauses } from './causes.js';
export { traceUrl, withTraceUrls } from './trace-url.js';
export { clampSpanTime, MIN_SPAN_TIME_MS, type SpanTimeClamp } from './time.js';
