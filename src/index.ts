// Programmatic API of the `hmac-slo` package (docs/collector.md "Embed it"). The instrumentation is
// the separate package `@hmac-slo/instrumentation`.
export { startCollector, type StartCollectorOptions, type RunningCollector } from './collector/embed.js';
export { loadConfig, parseConfig, ConfigError } from './config/load.js';
export type { HmacSloConfig } from './config/schema.js';
