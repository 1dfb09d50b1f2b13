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
export { instrumentSigner, type SignerOptions } from './wrap/signer.js';
export { instrumentKms, type KmsOptions } from './wrap/kms.js';
export { classifyKmsError } from './wrap/kms-reasons.js';
export { instrumentKeyStore, type KeyStoreOptions } from './wrap/keystore.js';
export { instrumentReplayCache, type ReplayCache, type ReplayCacheOptions, type CheckStyleCache, type HasAddStyleCache } from './wrap/replay-cache.js';
export { observeKeyRing, type KeyRingObservation } from './wrap/key-ring.js';
export { createMetricProducer, type HmacMetricProducer, type MetricProducerOptions } from './telemetry/producer.js';
export { VERIFIED_KEY_ID, advertiseVerifiedKeyId, type VerifiedKeyIdReader } from './verified-key-id.js';
export { advertiseDiagnosisSubject, advertisedDiagnosisSubject, DIAGNOSIS_SUBJECT, type DiagnosisSubjectReader } from './diagnose/hook.js';
export type { DiagnosisSubject } from './diagnose/subject.js';
export type { DiagnoseOptions } from './diagnose/failure-diagnosis.js';
export type { OtherSecret } from './diagnose/other-keys.js';
export { DEFAULT_DIAGNOSES_PER_SECOND, DEFAULT_DIAGNOSIS_BURST } from './diagnose/budget.js';
export { BODY_NOT_RAW_MESSAGES, isBodyNotRawError } from './classify/body-not-raw.js';
