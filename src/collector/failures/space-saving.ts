/**
 * Space-saving top-k (Metwally, Agrawal, El Abbadi 2005): at most k counters; an unseen item takes
 * over the smallest counter and inherits its count as `error`. Guarantees, for N items offered:
 * every reported count overestimates the true count by at most its `error` (count − error ≤ true ≤
 * count), and every item whose true count exceeds N/k is reported. A min-heap keeps each offer at
 * O(log k), so k can be raised without making a flood of forged requests expensive.
 */

interface Counter<K> {
  item: K;
  count: number;
  error: number;
  pos: number;
}

export interface TopItem<K> {
  readonly item: K;
  readonly count: number;
  readonly error: number;
}

export class SpaceSaving<K> {
  private readonly heap: Counter<K>[] = [];
  private readonly index = new Map<K, Counter<K>>();
  private n = 0;

  constructor(readonly k: number) {
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
  }

  /** Total weight offered so far. */
  get offered(): number {
    return this.n;
  }

  offer(item: K, weight = 1): void {
    this.n += weight;
    const existing = this.index.get(item);
    if (existing) {
      existing.count += weight;
      this.down(existing.pos);
      return;
    }
    if (this.heap.length < this.k) {
      const c: Counter<K> = { item, count: weight, error: 0, pos: this.heap.length };
      this.heap.push(c);
      this.index.set(item, c);
      this.up(c.pos);
      return;
    }
    const min = this.heap[0]!;
    this.index.delete(min.item);
    min.item = item;
    min.error = min.count;
    min.count += weight;
    this.index.set(item, min);
    this.down(0);
  }

  /**
   * A table rebuilt from saved counters (`top()` output and `offered`). When more counters are given
   * than `k` holds, the highest counts are kept: those are the ones the top-k reports, and a dropped
   * counter only loosens the bound of an item that later takes over a slot (its `error` is the
   * smallest kept count, at least as large as the dropped one's).
   */
  static restore<K>(k: number, counters: readonly TopItem<K>[], offered: number): SpaceSaving<K> {
    const table = new SpaceSaving<K>(k);
    const kept = [...counters].sort((a, b) => b.count - a.count).slice(0, k);
    let sum = 0;
    for (const c of kept) {
      if (table.index.has(c.item)) continue;
      const counter: Counter<K> = { item: c.item, count: c.count, error: Math.min(c.error, c.count), pos: table.heap.length };
      table.heap.push(counter);
      table.index.set(c.item, counter);
      table.up(counter.pos);
      sum += c.count - counter.error;
    }
    // Offered weight is at least what the kept counters are known to hold.
    table.n = Math.max(Number.isFinite(offered) ? offered : 0, sum);
    return table;
  }

  /** Monitored items, highest count first (ties by item, for a stable answer). */
  top(): TopItem<K>[] {
    return this.heap
      .map((c) => ({ item: c.item, count: c.count, error: c.error }))
      .sort((a, b) => b.count - a.count || (String(a.item) < String(b.item) ? -1 : String(a.item) > String(b.item) ? 1 : 0));
  }

  private swap(i: number, j: number): void {
    const a = this.heap[i]!;
    const b = this.heap[j]!;
    this.heap[i] = b;
    this.heap[j] = a;
    a.pos = j;
    b.pos = i;
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.heap[parent]!.count <= this.heap[i]!.count) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let smallest = i;
      if (l < this.heap.length && this.heap[l]!.count < this.heap[smallest]!.count) smallest = l;
      if (r < this.heap.length && this.heap[r]!.count < this.heap[smallest]!.count) smallest = r;
      if (smallest === i) return;
      this.swap(i, smallest);
      i = smallest;
    }
  }
}
