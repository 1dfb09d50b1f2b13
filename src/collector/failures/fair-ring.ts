/**
 * The failure log's storage: at most `size` entries shared by all jobs, where a new entry, once it
 * is full, evicts the oldest entry of the job holding the MOST entries (counting the new one). So a
 * job flooding failures evicts only its own, each of N busy jobs keeps about size/N, a quiet job's
 * few are never evicted by another's flood, and a job alone still fills it all. One plain ring
 * (the oldest entry of any job) let one noisy or hostile pusher blind every other job within
 * minutes.
 *
 * Per entry it stores the value and 12 bytes (an arrival number and the next slot of its job, in
 * typed arrays sized once); insert and evict are O(1): per job a linked list of its slots, oldest
 * first, and the jobs grouped by how many entries they hold. Per job it also keeps `droppedUntil`,
 * the latest time of an entry of it that was evicted — how far back its entries are complete. A
 * job whose last entry goes is forgotten (jobs held ≤ size), its `droppedUntil` folded into
 * `forgottenUntil`, which every job not held (and any new one: it may be a forgotten one coming
 * back) starts from.
 */
interface JobEntries {
  count: number;
  /** Slot of its oldest and newest entry. */
  head: number;
  tail: number;
  /** Latest time of an evicted entry of this job (-Infinity: none was). */
  droppedUntil: number;
}

const NONE = -1;

export class FairRing<T> {
  private readonly values: (T | undefined)[];
  /** When each slot's entry arrived (a running number), for newest-first order across jobs. */
  private readonly arrival: Float64Array;
  /** The next (newer) slot of the same job, or NONE. */
  private readonly nextOfJob: Int32Array;
  private readonly jobs = new Map<string, JobEntries>();
  /** Jobs by entry count; within a count, in the order they reached it (the first is evicted from first). */
  private readonly byCount = new Map<number, Set<string>>();
  private maxCount = 0;
  private used = 0;
  private arrivals = 0;
  /** Latest `droppedUntil` of a forgotten job: the starting point of any job not held. */
  private forgottenUntil = Number.NEGATIVE_INFINITY;

  constructor(
    readonly size: number,
    private readonly timeOf: (value: T) => number,
  ) {
    this.values = new Array<T | undefined>(size);
    this.arrival = new Float64Array(size);
    this.nextOfJob = new Int32Array(size).fill(NONE);
  }

  /** Entries held (≤ size). */
  get held(): number {
    return this.used;
  }

  /**
   * Add an entry of `job`, evicting one first when full (see above). A job not held yet starts from
   * the forgotten jobs' `droppedUntil`, or `droppedUntil` when later (a restored snapshot's value).
   */
  push(job: string, value: T, droppedUntil = Number.NEGATIVE_INFINITY): void {
    let entries = this.jobs.get(job);
    if (!entries) this.jobs.set(job, (entries = { count: 0, head: NONE, tail: NONE, droppedUntil: Math.max(droppedUntil, this.forgottenUntil) }));
    let slot: number;
    if (this.used < this.size) {
      slot = this.used++;
      this.recount(job, entries, entries.count + 1);
    } else if (entries.count === this.maxCount) {
      // The job holding the most floods on (the hot path): it replaces its own oldest, no count changes.
      slot = this.popOldest(entries);
    } else {
      this.recount(job, entries, entries.count + 1);
      slot = this.evictFromLargest();
    }
    this.values[slot] = value;
    this.arrival[slot] = this.arrivals++;
    this.nextOfJob[slot] = NONE;
    if (entries.tail === NONE) entries.head = slot;
    else this.nextOfJob[entries.tail] = slot;
    entries.tail = slot;
  }

  /**
   * Frees the oldest slot of the first job with the most entries, the adding job counted with its
   * new entry — so not the adding job, which holds fewer (push handles the job at the most itself).
   */
  private evictFromLargest(): number {
    const job = this.byCount.get(this.maxCount)!.values().next().value as string;
    const entries = this.jobs.get(job)!;
    const slot = this.popOldest(entries);
    this.recount(job, entries, entries.count - 1);
    if (entries.count === 0) {
      this.jobs.delete(job);
      this.forgottenUntil = Math.max(this.forgottenUntil, entries.droppedUntil);
    }
    return slot;
  }

  /** Unlinks the job's oldest slot and notes its time as dropped; its count is the caller's. */
  private popOldest(entries: JobEntries): number {
    const slot = entries.head;
    entries.head = this.nextOfJob[slot]!;
    if (entries.head === NONE) entries.tail = NONE;
    entries.droppedUntil = Math.max(entries.droppedUntil, this.timeOf(this.values[slot]!));
    return slot;
  }

  /** Counts change by one at a time, so the largest moves by at most one too. */
  private recount(job: string, entries: JobEntries, count: number): void {
    const from = this.byCount.get(entries.count);
    if (from) {
      from.delete(job);
      if (from.size === 0) {
        this.byCount.delete(entries.count);
        if (this.maxCount === entries.count) this.maxCount = count;
      }
    }
    entries.count = count;
    if (count > 0) {
      let to = this.byCount.get(count);
      if (!to) this.byCount.set(count, (to = new Set()));
      to.add(job);
      if (count > this.maxCount) this.maxCount = count;
    }
  }

  /** Held entries of `job` (of every job when undefined), newest first. */
  newestFirst(job?: string): T[] {
    const slots: number[] = [];
    if (job === undefined) {
      for (let s = 0; s < this.used; s++) slots.push(s);
      slots.sort((a, b) => this.arrival[b]! - this.arrival[a]!);
    } else {
      for (let s = this.jobs.get(job)?.head ?? NONE; s !== NONE; s = this.nextOfJob[s]!) slots.push(s);
      slots.reverse();
    }
    return slots.map((s) => this.values[s]!);
  }

  /**
   * Latest time of an evicted entry of `job` (-Infinity: its entries are complete). Of any job when
   * undefined: from when every job's are.
   */
  droppedUntil(job?: string): number {
    if (job !== undefined) return this.jobs.get(job)?.droppedUntil ?? this.forgottenUntil;
    let until = this.forgottenUntil;
    for (const entries of this.jobs.values()) until = Math.max(until, entries.droppedUntil);
    return until;
  }

  /** Per held job its `droppedUntil` when it has one, and the forgotten jobs' one (for a snapshot). */
  droppedState(): { forgottenUntil: number; byJob: [string, number][] } {
    const byJob = [...this.jobs].filter(([, e]) => Number.isFinite(e.droppedUntil)).map(([job, e]) => [job, e.droppedUntil] as [string, number]);
    return { forgottenUntil: this.forgottenUntil, byJob };
  }

  /** Raise the forgotten jobs' `droppedUntil` (restoring a snapshot). */
  raiseForgottenUntil(t: number): void {
    this.forgottenUntil = Math.max(this.forgottenUntil, t);
  }

  /** Jobs held and entries of the largest (for tests and health figures). */
  shape(): { jobs: number; largest: number } {
    return { jobs: this.jobs.size, largest: this.maxCount };
  }
}
