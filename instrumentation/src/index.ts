// Public API of @hmac-slo/instrumentation. Keep this file a plain export list (one line per module)
// so additions from parallel work merge without conflicts.
export * from './contract.js';
export { PACKAGE_NAME, PACKAGE_VERSION } from './version.js';
export type { KeyRingEntry, KeyRingLike } from './key-ring.js';
export { fingerprint } from './telemetry/fingerprint.js';
export { KeyIdLimiter, type KeyIdLimiterOptions, type KnownKeyIds } from './telemetry/key-id-limiter.js';
export type { ProviderOptions, KeyIdOptions, ErrorOptions } from './wrap/options.js';
export { instrumentVerifier, type VerifierOptions } from './wrap/verifier.js';
export * from './express.js';
export * from './errors.js';
export * from './classify/index.js';
export * from './reference/index.js';
