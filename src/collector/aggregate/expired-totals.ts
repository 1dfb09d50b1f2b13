/**
 * What the counter and histogram series of expired jobs had counted, so a series that comes back
 * resumes from its total: Prometheus sees one monotonic counter across the gap (a gap is not a
 * reset for `increase()`: a series that came back lower-but-higher-than-0 would lose events), and
 * so do the SLO engine and key usage. Bounded: beyond MAX_EXPIRED_TOTALS the oldest are dropped,
 * and such a series, if it comes back, starts again from 0 (see docs/collector.md, "What it keeps").
 * Derived from the state alone, so a replay of a logged expiry remembers the same totals.
 */
import { z } from 'zod';

/** Series totals remembered (each a key, a name and a value or buckets: ~250 bytes). */
export const MAX_EXPIRED_TOTALS = 100_000;

interface Histogram {
  bounds: number[];
  counts: number[];
  sum: number;
  count: number;
}

/** What a resumed series needs: its family and kind (to resume only the same instrument) and its total. */
export interface ExpiredTotal {
  promName: string;
  kind: 'counter' | 'histogram';
  value: number;
  histogram?: Histogram;
}

/** The series fields read here (a StoredSeries). */
interface Totals {
  promName: string;
  kind: 'counter' | 'gauge' | 'histogram';
  value: number;
  histogram?: Histogram;
}

/** Whether two histograms have the same explicit bucket bounds. */
export function sameBounds(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const finite = z.number().finite();
const nonNegative = finite.nonnegative();
/** Persisted as [key, promName, kind, value, histogram or null]. */
export const expiredTotalsSchema = z.array(
  z.tuple([
    z.string(),
    z.string(),
    z.enum(['counter', 'histogram']),
    nonNegative,
    z
      .object({ bounds: z.array(finite), counts: z.array(nonNegative), sum: finite, count: nonNegative })
      .refine((h) => h.counts.length === h.bounds.length + 1, 'a histogram needs one count per bound, plus one')
      .nullable(),
  ]),
);
export type ExpiredTotalsJSON = z.infer<typeof expiredTotalsSchema>;

export class ExpiredTotals {
  /** Key → total, oldest first (a re-remembered key moves to the end). */
  private readonly byKey = new Map<string, ExpiredTotal>();

  constructor(private readonly max = MAX_EXPIRED_TOTALS) {}

  get size(): number {
    return this.byKey.size;
  }

  /** Remembers a dropped series' total (gauges have none to keep); the oldest go beyond the bound. */
  remember(key: string, s: Totals): void {
    if (s.kind === 'gauge') return;
    const h = s.histogram;
    this.byKey.delete(key);
    this.byKey.set(key, { promName: s.promName, kind: s.kind, value: s.value, histogram: h && { bounds: h.bounds.slice(), counts: h.counts.slice(), sum: h.sum, count: h.count } });
    while (this.byKey.size > this.max) this.byKey.delete(this.byKey.keys().next().value!);
  }

  /**
   * The total a new series under `key` resumes from, if it is the same instrument (family, kind,
   * and for a histogram the same bounds): used once. Another instrument starts from 0.
   */
  take(key: string, promName: string, kind: string, bounds: readonly number[] | undefined): ExpiredTotal | undefined {
    const t = this.byKey.get(key);
    if (t === undefined) return undefined;
    this.byKey.delete(key);
    if (t.promName !== promName || t.kind !== kind) return undefined;
    if (t.histogram && (bounds === undefined || !sameBounds(t.histogram.bounds, bounds))) return undefined;
    return t;
  }

  toJSON(): ExpiredTotalsJSON {
    return [...this.byKey].map(([k, t]) => [k, t.promName, t.kind, t.value, t.histogram ? { ...t.histogram, bounds: t.histogram.bounds.slice(), counts: t.histogram.counts.slice() } : null]);
  }

  static fromJSON(json: ExpiredTotalsJSON | undefined, max = MAX_EXPIRED_TOTALS): ExpiredTotals {
    const e = new ExpiredTotals(max);
    for (const [k, promName, kind, value, h] of json ?? []) e.remember(k, { promName, kind, value, histogram: h ?? undefined });
    return e;
  }
}
