/**
 * How a verifier tells `instrumentVerifier` how to diagnose its failures without an option: it
 * advertises a subject builder under `DIAGNOSIS_SUBJECT` (the reference verifier does). A custom
 * verifier can do the same with `advertiseDiagnosisSubject`, or pass `diagnose.subject`.
 */
import type { FailureReason } from '../contract.js';
import type { DiagnosisSubject } from './subject.js';

export const DIAGNOSIS_SUBJECT: unique symbol = Symbol.for('@hmac-slo/instrumentation.diagnosisSubject') as never;

export type DiagnosisSubjectReader = (args: readonly unknown[], reason: FailureReason) => DiagnosisSubject | undefined;

export function advertiseDiagnosisSubject<F extends (...args: any[]) => any>(verify: F, subjectOf: DiagnosisSubjectReader): F {
  Object.defineProperty(verify, DIAGNOSIS_SUBJECT, { value: subjectOf, configurable: true });
  return verify;
}

export function advertisedDiagnosisSubject(verify: unknown): DiagnosisSubjectReader | undefined {
  const reader = (verify as { [DIAGNOSIS_SUBJECT]?: unknown } | null)?.[DIAGNOSIS_SUBJECT];
  return typeof reader === 'function' ? (reader as DiagnosisSubjectReader) : undefined;
}
