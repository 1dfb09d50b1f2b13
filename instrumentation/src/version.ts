/**
 * The package's name and version, used as the OpenTelemetry meter/tracer (instrumentation scope).
 * Kept as constants (not read from package.json at run time) so the library has no JSON import;
 * `test/telemetry-scope.test.ts` checks they match package.json.
 */
export const PACKAGE_NAME = '@hmac-slo/instrumentation';
export const PACKAGE_VERSION = '0.1.0';
