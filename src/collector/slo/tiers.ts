/**
 * Multi-resolution history of one (job, SLO)'s cumulative event counts, so a 30-day window costs a
 * few hundred points instead of one point per sample. Each tier keeps the first sample of every
 * `resolutionMs` slot for `retentionMs`; a window is read from the finest tier that reaches back far
 * enough, so its start is off by at most that tier's resolution (see docs/slo.md, "Accuracy").
 */

export interface TierSpec {
  readonly resolutionMs: number;
  readonly retentionMs: number;
}

export interface CountPoint {
  readonly t: number;
  readonly bad: number;
  readonly total: number;
}

/**
 * Ring of points in time order (typed arrays: 24 bytes a point). It starts small and doubles up to
 * the capacity its retention needs, so a pair that was seen for an hour costs an hour's points.
 */
class Tier {
  private t: Float64Array;
  private bad: Float64Array;
  private total: Float64Array;
  private head = 0; // index of the oldest point
  size = 0;
  private readonly maxCapacity: number;

  constructor(readonly spec: TierSpec) {
    // First-of-slot points within the retention: at most retention/resolution + 1, plus slack.
    this.maxCapacity = Math.ceil(spec.retentionMs / spec.resolutionMs) + 2;
    const initial = Math.min(16, this.maxCapacity);
    this.t = new Float64Array(initial);
    this.bad = new Float64Array(initial);
    this.total = new Float64Array(initial);
  }

  /** Double the arrays (oldest point moved to index 0), up to the maximum capacity. */
  private grow(): void {
    const capacity = Math.min(this.maxCapacity, this.t.length * 2);
    const t = new Float64Array(capacity);
    const bad = new Float64Array(capacity);
    const total = new Float64Array(capacity);
    for (let i = 0; i < this.size; i++) {
      const j = this.index(i);
      t[i] = this.t[j]!;
      bad[i] = this.bad[j]!;
      total[i] = this.total[j]!;
    }
    this.t = t;
    this.bad = bad;
    this.total = total;
    this.head = 0;
  }

  private index(i: number): number {
    return (this.head + i) % this.t.length;
  }

  at(i: number): CountPoint {
    const j = this.index(i);
    return { t: this.t[j]!, bad: this.bad[j]!, total: this.total[j]! };
  }

  timeAt(i: number): number {
    return this.t[this.index(i)]!;
  }

  add(p: CountPoint): void {
    const { resolutionMs, retentionMs } = this.spec;
    if (this.size > 0) {
      const last = this.timeAt(this.size - 1);
      if (p.t <= last || Math.floor(p.t / resolutionMs) === Math.floor(last / resolutionMs)) return;
    }
    // Drop what fell out of the retention (always keep the point being added).
    while (this.size > 0 && this.timeAt(0) < p.t - retentionMs) {
      this.head = (this.head + 1) % this.t.length;
      this.size--;
    }
    if (this.size === this.t.length) {
      if (this.t.length < this.maxCapacity) this.grow();
      else {
        this.head = (this.head + 1) % this.t.length; // cannot happen with the capacity above; stay bounded anyway
        this.size--;
      }
    }
    const j = this.index(this.size);
    this.t[j] = p.t;
    this.bad[j] = p.bad;
    this.total[j] = p.total;
    this.size++;
  }

  /** Index of the newest point at or before `t`, or -1. */
  floorIndex(t: number): number {
    let lo = 0;
    let hi = this.size - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.timeAt(mid) <= t) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  *points(): Iterable<CountPoint> {
    for (let i = 0; i < this.size; i++) yield this.at(i);
  }
}

export class TieredHistory {
  private readonly tiers: Tier[];

  /** `specs` finest first. */
  constructor(specs: readonly TierSpec[]) {
    this.tiers = [...specs].sort((a, b) => a.resolutionMs - b.resolutionMs).map((s) => new Tier(s));
  }

  add(p: CountPoint): void {
    for (const tier of this.tiers) tier.add(p);
  }

  /**
   * The stored point at or just before `t`, from the finest tier that reaches back to `t`. When no
   * tier does (history shorter than the window), the oldest point kept: the window then covers
   * everything since that point. Undefined only when nothing was stored yet.
   */
  atOrBefore(t: number): CountPoint | undefined {
    let oldest: CountPoint | undefined;
    for (const tier of this.tiers) {
      if (tier.size === 0) continue;
      const i = tier.floorIndex(t);
      if (i >= 0) return tier.at(i);
      const first = tier.at(0);
      if (!oldest || first.t < oldest.t) oldest = first;
    }
    return oldest;
  }

  /**
   * The cumulative counts at `t`, interpolated linearly between the two points of the finest tier
   * around it (the newest point when `t` is at or after it; the oldest when before every point).
   * A chart's steps read these, so a step finer than the tier it falls in shows the tier's average
   * rate instead of 0 events in one step and all of them in the next.
   */
  interpolatedAt(t: number): CountPoint | undefined {
    let oldest: CountPoint | undefined;
    for (const tier of this.tiers) {
      if (tier.size === 0) continue;
      const i = tier.floorIndex(t);
      if (i >= 0) {
        const a = tier.at(i);
        if (i + 1 >= tier.size || a.t === t) return a;
        const b = tier.at(i + 1);
        const f = (t - a.t) / (b.t - a.t);
        return { t, bad: a.bad + (b.bad - a.bad) * f, total: a.total + (b.total - a.total) * f };
      }
      const first = tier.at(0);
      if (!oldest || first.t < oldest.t) oldest = first;
    }
    return oldest;
  }

  /** Number of points held, over all tiers (the memory bound tests and stats read this). */
  get pointCount(): number {
    return this.tiers.reduce((n, t) => n + t.size, 0);
  }

  /** Every distinct point, oldest first (for persistence; re-adding them rebuilds the tiers). */
  allPoints(): CountPoint[] {
    const byTime = new Map<number, CountPoint>();
    for (const tier of this.tiers) for (const p of tier.points()) byTime.set(p.t, p);
    return [...byTime.values()].sort((a, b) => a.t - b.t);
  }
}

/**
 * Tiers for a config: 5 s points for the 5m/30m windows, 1 min for 1h–6h, 15 min for 1d/3d, 1 h for the
 * period — so every window's start is placed within 1/60 of its length or better (5 s of 5m, 1 min of
 * 1h, 15 min of 1d, 1 h of 3d). About 1,800 points for a 30-day period. All divided by `timeScale`.
 */
export function tiersFor(periodMs: number, timeScale: number): TierSpec[] {
  const s = 1000 / timeScale;
  const longest = Math.max(periodMs, 3 * 86400 * s);
  return [
    { resolutionMs: 5 * s, retentionMs: 35 * 60 * s },
    { resolutionMs: 60 * s, retentionMs: 6 * 3600 * s + 10 * 60 * s },
    { resolutionMs: 900 * s, retentionMs: 3 * 86400 * s + 3600 * s },
    { resolutionMs: 3600 * s, retentionMs: longest + 2 * 3600 * s },
  ];
}
