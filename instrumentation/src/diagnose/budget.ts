/**
 * The diagnosis budget: a token bucket per wrapped verifier. A flood of forged requests then costs
 * a few diagnoses per second (a few dozen HMACs each) and plain instrumentation for the rest, whose
 * cause is recorded as `skipped`. A diagnosis costs about 0.35 µs per body byte (dozens of MACs and
 * JSON re-serializations of the body), so a call takes one token per started 16 KiB of body (at most
 * the burst): forged bodies of the largest diagnosed size cost what small ones do per byte, not 16 times
 * more.
 */
export const DEFAULT_DIAGNOSES_PER_SECOND = 10;
export const DEFAULT_DIAGNOSIS_BURST = 20;
export const DIAGNOSIS_TOKEN_BYTES = 16 * 1024;
export const DEFAULT_DIAGNOSIS_MAX_BODY_BYTES = 256 * 1024;

/** Tokens a diagnosis of a body of `bytes` takes. */
export function diagnosisTokens(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / DIAGNOSIS_TOKEN_BYTES));
}

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    now: number,
  ) {
    if (!(perSecond >= 0) || !(burst >= 0) || !Number.isFinite(perSecond) || !Number.isFinite(burst)) {
      throw new TypeError('diagnose.ratePerSecond and diagnose.burst must be finite numbers >= 0');
    }
    this.tokens = burst;
    this.last = now;
  }

  /** Takes `cost` tokens (at most the burst) at `now` (milliseconds); false when there are not enough. */
  take(now: number, cost = 1): boolean {
    const elapsed = now - this.last;
    if (elapsed > 0) {
      this.tokens = Math.min(this.burst, this.tokens + (elapsed / 1000) * this.perSecond);
      this.last = now;
    }
    const need = Math.min(cost, this.burst);
    if (this.tokens < need || this.tokens < 1) return false;
    this.tokens -= need;
    return true;
  }
}
