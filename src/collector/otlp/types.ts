/** The collector's own reading of an OTLP request, the same whichever encoding it came in. */

export type Attributes = Record<string, string>;

/**
 * Sets one attribute. A key of `__proto__` is an own property like any other (a plain assignment
 * would hit Object.prototype's setter and drop it silently); both decoders use this.
 */
export function setAttribute(out: Attributes, key: string, value: string): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

const INTERNED: unique symbol = Symbol('hmac-slo interned attributes');

/**
 * An attribute set the protobuf reader interned (otlp/wire.ts): frozen, and the same object for
 * the same bytes in every push while it is cached. That is the reader's promise to the aggregator,
 * which may therefore key its per-pusher caches by the set's identity; any other set (the JSON
 * road, points whose span-only attributes were removed) is looked up by its contents.
 */
export type InternedAttributes = Readonly<Attributes> & { readonly [INTERNED]: true };

/** Freezes `a` and marks it interned (a non-enumerable symbol: keys, spread, JSON and deepEqual do not see it). */
export function internAttributes(a: Attributes): InternedAttributes {
  Object.defineProperty(a, INTERNED, { value: true });
  return Object.freeze(a) as InternedAttributes;
}

export function isInterned(a: Readonly<Attributes>): a is InternedAttributes {
  return (a as { [INTERNED]?: true })[INTERNED] === true;
}

/** A point's or resource's attributes: interned by the protobuf reader, or plain. */
export type PointAttributes = Attributes | InternedAttributes;

export interface Exemplar {
  readonly value: number;
  readonly timeUnixMs: number;
  readonly traceId: string;
  readonly spanId: string;
}

export interface NumberPoint {
  readonly attributes: PointAttributes;
  /** Nanoseconds as a decimal string (`''` when absent): compared for equality only. */
  readonly start: string;
  readonly value: number;
}

export interface HistogramPoint {
  readonly attributes: PointAttributes;
  readonly start: string;
  readonly count: number;
  readonly sum: number;
  readonly bounds: number[];
  readonly counts: number[];
  readonly exemplars?: Exemplar[];
}

export type MetricData =
  | { readonly type: 'sum'; readonly temporality: number; readonly monotonic: boolean; readonly points: NumberPoint[] }
  | { readonly type: 'gauge'; readonly points: NumberPoint[] }
  | { readonly type: 'histogram'; readonly temporality: number; readonly points: HistogramPoint[] }
  /** Exponential histograms and summaries: not aggregated; `points` is how many were refused. */
  | { readonly type: 'unsupported'; readonly what: string; readonly points: number };

export interface Metric {
  readonly name: string;
  readonly unit: string;
  readonly description: string;
  readonly data: MetricData;
}

export interface ResourceMetrics {
  readonly resource: PointAttributes;
  readonly metrics: Metric[];
}

export interface Span {
  readonly resource: Attributes;
  readonly name: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly startUnixMs: number;
  readonly endUnixMs: number;
  readonly attributes: Attributes;
  /** 0 unset, 1 ok, 2 error. */
  readonly statusCode: number;
}

export const TEMPORALITY_DELTA = 1;
export const TEMPORALITY_CUMULATIVE = 2;
