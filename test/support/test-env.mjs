/**
 * The environment of a test run (scripts/run-tests.mjs) and of every process a test starts
 * (processes.ts `childEnv`): the caller's, without the variables that configure the code under test
 * behind the tests' back. Each test sets what it needs itself.
 *  - OTEL_*: the OpenTelemetry SDKs read them (e.g. OTEL_EXPORTER_OTLP_COMPRESSION=gzip, a delta
 *    temporality preference, OTEL_RESOURCE_ATTRIBUTES); the tests configure their SDKs in code.
 *  - HMAC_SLO_*: hmac-slo's own (the demo's secret seed).
 *  - FORCE_COLOR: Node then colours console.dir output even into a pipe, and tests parse children's
 *    console output (the NodeSDK road reads the console span exporter's dumps).
 * Locale, time zone, HOME, proxies (Node's fetch and http ignore them; Go's clients never proxy
 * loopback) and PATH stay: the tests must pass under any of them, and npm needs HOME and a proxy.
 */
const DROPPED = /^(OTEL_|HMAC_SLO_|FORCE_COLOR$)/;

/** `env` without the variables above. */
export function testEnv(env = process.env) {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !DROPPED.test(name)));
}
