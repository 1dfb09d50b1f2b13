// Every selector, threshold, window, burn factor, severity and the runbook URL pattern.
// `config.json` is the default hmac-slo.yaml resolved by `npm run generate` (same field names as
// hmac-slo.yaml, plus the metric contract under `contract`) — one source of truth shared with the
// collector. Override with `_config+:: { ... }`.
{
  _config+:: (import 'config.json'),
}
