/**
 * The diagnosis proper: which transformation of the body or the secret, or which other key, makes
 * the presented signature verify. Every answer is proven by a matching MAC (or body digest), so a
 * wrong secret or a tampered body can never be reported as a body cause: no transformation of them
 * produces the sender's MAC. Order as the issue trackers rank the causes: other keys, the secret's
 * format, then the body transformations, then the scheme's own component check.
 */
import type { FailureCause } from '../contract.js';
import { base64Candidates } from './body-base64.js';
import { compressedCandidates } from './body-compressed.js';
import { encodingCandidates } from './body-encoding.js';
import { reserializedCandidates } from './body-reserialized.js';
import { whitespaceCandidates } from './body-whitespace.js';
import { secretCandidates } from './secret-format.js';
import { bodyBytes, type DiagnosisSubject } from './subject.js';

export interface Diagnosis {
  readonly cause: FailureCause;
  /** For `signed_with_other_key`: the declared ID of the key that verified. */
  readonly keyId?: string;
}

/** A parsed object, or what `String(object)` makes of one: the raw bytes never reached the verifier. */
export function isNotRawBody(body: unknown): boolean {
  if (body === '[object Object]') return true;
  return body !== null && typeof body === 'object' && !(body instanceof Uint8Array);
}

const BODY_FAMILIES: ReadonlyArray<readonly [FailureCause, (bytes: Buffer, maxBytes: number) => Buffer[]]> = [
  ['body_whitespace', whitespaceCandidates],
  ['body_base64', base64Candidates],
  ['body_compressed', compressedCandidates],
  ['body_encoding', encodingCandidates],
  ['body_reserialized', reserializedCandidates],
];

export function diagnose(
  subject: DiagnosisSubject,
  otherKeys: Iterable<readonly [string, Uint8Array]>,
  maxBodyBytes: number,
): Diagnosis {
  const body = bodyBytes(subject.body);
  if (body !== undefined && body.length > maxBodyBytes) return { cause: 'skipped' };
  const secretMatches = subject.secretMatches?.bind(subject);
  if (secretMatches !== undefined) {
    for (const [id, secret] of otherKeys) if (secretMatches(secret)) return { cause: 'signed_with_other_key', keyId: id };
    if (subject.secret !== undefined) {
      for (const candidate of secretCandidates(subject.secret)) if (secretMatches(candidate)) return { cause: 'secret_format' };
    }
  }
  const bodyMatches = subject.bodyMatches?.bind(subject);
  if (bodyMatches !== undefined && body !== undefined) {
    for (const [cause, candidates] of BODY_FAMILIES) {
      for (const candidate of candidates(body, maxBodyBytes)) if (bodyMatches(candidate)) return { cause };
    }
  }
  return { cause: subject.components?.() ?? 'undiagnosed' };
}
