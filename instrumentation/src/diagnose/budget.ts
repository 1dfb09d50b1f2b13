/**
 * The diagnosis budget: a token bucket per wrapped verifier. A flood of forged requests then costs
 * a few diagnoses per second (a few dozen HMACs each) and plain instrumentation for the rest, whose
 * cause is recorded as `skipped`.
 */
export const DEFAULT_DIAGNOSES_PER_SECOND = 10;
export const DEFAULT_DIAGNOSIS_BURST = 20;

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

  /** Takes one token at `now` (milliseconds); false when the bucket is empty. */
  take(now: number): boolean {
    const elapsed = now - this.last;
    if (elapsed > 0) {
      this.tokens = Math.min(this.burst, this.tokens + (elapsed / 1000) * this.perSecond);
      this.last = now;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
