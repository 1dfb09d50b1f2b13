/**
 * A cap shared fairly by jobs (the aggregator's series, pushers and readings): no job holds more than
 * `perJob` units, and the first `reserved` units of each of the first `maxJobs` jobs come from a
 * reserve (`maxJobs × reserved`) that other jobs cannot take; every other unit comes from the
 * shared rest of `total`. One job's flood (or a few jobs') fills at most the shared rest and its
 * own per-job cap: a job that starts later still gets its reserve. See docs/collector.md
 * ("Caps and fairness").
 */
export interface FairQuotaLimits {
  /** Units held at once, over all jobs (Infinity: no cap). */
  readonly total: number;
  /** Units one job may hold (default: no cap). */
  readonly perJob?: number;
  /** Units each job with a reserve may hold beyond the shared rest (default 0). */
  readonly reserved?: number;
  /** Jobs with a reserve at once (the first to hold a unit; default: none). */
  readonly maxJobs?: number;
}

/** Why a job may not take one more unit: the total (shared rest) or its own per-job cap. */
export type QuotaRefusal = 'total' | 'per_job';

export class FairQuota {
  private readonly held = new Map<string, number>();
  /** Jobs whose first `reserved` units come from the reserve (at most maxJobs). */
  private readonly reserveHolders = new Set<string>();
  private readonly reserved: number;
  private readonly shared: number;
  private sharedUsed = 0;
  private used = 0;

  constructor(private readonly limits: FairQuotaLimits) {
    this.reserved = limits.maxJobs === undefined ? 0 : (limits.reserved ?? 0);
    this.shared = limits.total - (this.reserved > 0 ? limits.maxJobs! * this.reserved : 0);
  }

  /** Units held over all jobs. */
  get size(): number {
    return this.used;
  }

  heldBy(job: string): number {
    return this.held.get(job) ?? 0;
  }

  holds(job: string): boolean {
    return this.held.has(job);
  }

  /** Jobs holding units. */
  get jobCount(): number {
    return this.held.size;
  }

  jobs(): IterableIterator<string> {
    return this.held.keys();
  }

  private hasReserve(job: string, held: number): boolean {
    if (this.reserved === 0) return false;
    return this.reserveHolders.has(job) || (held === 0 && this.reserveHolders.size < this.limits.maxJobs!);
  }

  /** Why `job` may not take one more unit, or undefined when it may. */
  refusal(job: string): QuotaRefusal | undefined {
    const held = this.heldBy(job);
    if (held >= (this.limits.perJob ?? Infinity)) return 'per_job';
    if (held < this.reserved && this.hasReserve(job, held)) return undefined;
    return this.sharedUsed >= this.shared ? 'total' : undefined;
  }

  /** Counts `n` units for `job` (without checking: `refusal` first, or a restore from a snapshot). */
  take(job: string, n = 1): void {
    if (n <= 0) return;
    const held = this.heldBy(job);
    if (this.hasReserve(job, held)) {
      this.reserveHolders.add(job);
      this.sharedUsed += Math.max(0, held + n - this.reserved) - Math.max(0, held - this.reserved);
    } else this.sharedUsed += n;
    this.held.set(job, held + n);
    this.used += n;
  }

  /** Frees `n` of `job`'s units; a job left with none frees its reserve for another. */
  give(job: string, n = 1): void {
    const held = this.heldBy(job);
    n = Math.min(n, held);
    if (n <= 0) return;
    if (this.reserveHolders.has(job)) this.sharedUsed -= Math.max(0, held - this.reserved) - Math.max(0, held - n - this.reserved);
    else this.sharedUsed -= n;
    this.used -= n;
    if (held === n) {
      this.held.delete(job);
      this.reserveHolders.delete(job);
    } else this.held.set(job, held - n);
  }
}
