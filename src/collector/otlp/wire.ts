/**
 * A single-pass reader of protobuf `ExportMetricsServiceRequest` bodies straight into the
 * collector's own types: no protobufjs message objects, no Long values, attribute sets decoded once
 * and reused while their bytes repeat (every push of a service repeats them).
 *
 * It reads only a strict, canonical subset of the wire format — what OTLP exporters send. Anything
 * outside it (a problem to report, a non-finite number, a wire type other than the declared one, a
 * group, a truncated field, a second run of attributes, array/kvlist/bytes attribute values,
 * exponential histograms, summaries) makes it return `undefined`, and the caller decodes the body
 * with protobufjs + `normalizeMetrics` instead. That path stays the reference: every error, and its
 * exact message, comes from it. `test/collector/otlp-wire.test.ts` checks that both agree on real
 * exporter output, on hand-made edge cases and on mutated bodies.
 *
 * Like protobufjs, declared sub-messages are walked (so what protobufjs would refuse inside them is
 * noticed) and unknown fields are skipped without looking inside, as OTLP requires of receivers.
 */
import { internAttributes, setAttribute, type Attributes, type Exemplar, type InternedAttributes, type HistogramPoint, type Metric, type MetricData, type NumberPoint, type ResourceMetrics } from './types.js';
import { wellFormed } from './well-formed.js';

/** Thrown (pre-allocated, never escapes this module) when the body leaves the fast subset. */
const OFF_PATH = { offPath: true };

interface FastBuffer extends Buffer {
  utf8Slice(start: number, end: number): string;
  hexSlice(start: number, end: number): string;
}

/**
 * Where one read is: the body, a view of it for fixed-width fields, and the position. One per
 * `readMetricsRequest` call, passed to every reader below (nothing about a read lives in the module).
 */
class Cursor {
  pos = 0;
  readonly view: DataView;
  /** Start-time strings: every point of a push usually carries the same start (see `nanos`). */
  lastStartLo = 0;
  lastStartHi = 0;
  lastStart = '';

  constructor(readonly buf: FastBuffer) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
}

const TWO_32 = 4294967296;

// ---- wire primitives (each bounded by the current message's end) ----

/** A canonical varint of at most 32 bits. */
function u32(c: Cursor, end: number): number {
  let p = c.pos;
  if (p >= end) throw OFF_PATH;
  let b = c.buf[p++]!;
  if (b < 0x80) {
    c.pos = p;
    return b;
  }
  let v = b & 0x7f;
  for (let shift = 7; shift < 28; shift += 7) {
    if (p >= end) throw OFF_PATH;
    b = c.buf[p++]!;
    v |= (b & 0x7f) << shift;
    if (b < 0x80) {
      c.pos = p;
      return v;
    }
  }
  if (p >= end) throw OFF_PATH;
  b = c.buf[p++]!;
  if (b > 15) throw OFF_PATH; // more than 32 bits, or a longer varint: not canonical here
  c.pos = p;
  return v + b * 0x10000000;
}

/** A varint read as a signed 64-bit integer, converted as long.js `toNumber()` does. */
function i64(c: Cursor, end: number): number {
  let lo = 0;
  let hi = 0;
  let p = c.pos;
  for (let i = 0; i < 10; i++) {
    if (p >= end) throw OFF_PATH;
    const b = c.buf[p++]!;
    const bits = b & 0x7f;
    if (i < 4) lo |= bits << (7 * i);
    else if (i === 4) {
      lo |= bits << 28;
      hi |= bits >> 4;
    } else hi |= bits << (7 * (i - 5) + 3);
    if (b < 0x80) {
      c.pos = p;
      return (hi | 0) * TWO_32 + (lo >>> 0);
    }
  }
  throw OFF_PATH;
}

function lo32(c: Cursor, p: number): number {
  return c.view.getUint32(p, true);
}

/** Start of 8 bytes of a fixed64/double field, checked against the message end. */
function fixed8(c: Cursor, end: number): number {
  const p = c.pos;
  if (p + 8 > end) throw OFF_PATH;
  c.pos = p + 8;
  return p;
}

const unsigned64 = (c: Cursor, p: number): number => lo32(c, p + 4) * TWO_32 + lo32(c, p);
const signed64 = (c: Cursor, p: number): number => (lo32(c, p + 4) | 0) * TWO_32 + lo32(c, p);

/** End of a length-delimited field whose length is at `c.pos`. */
function delimited(c: Cursor, end: number): number {
  const n = u32(c, end);
  const e = c.pos + n;
  if (e > end) throw OFF_PATH;
  return e;
}

/**
 * Node's UTF-8 decoding replaces invalid bytes (encoded surrogates included) with U+FFFD, as
 * protobufjs does on a Buffer (it uses the same `utf8Slice`); `wellFormed` keeps that a guarantee
 * of this decoder rather than of the runtime (well-formed.ts).
 */
function string(c: Cursor, end: number): string {
  const e = delimited(c, end);
  const s = c.pos;
  c.pos = e;
  return e === s ? '' : wellFormed(c.buf.utf8Slice(s, e));
}

function finite(c: Cursor, p: number): number {
  const v = c.view.getFloat64(p, true);
  if (!Number.isFinite(v)) throw OFF_PATH; // refused by the reference path, with its message
  return v;
}

/** Skips an unknown field (after its tag), as protobufjs' `skipType` does; groups are off the path. */
function skip(c: Cursor, tag: number, end: number): void {
  switch (tag & 7) {
    case 0:
      for (;;) {
        if (c.pos >= end) throw OFF_PATH;
        if (c.buf[c.pos++]! < 0x80) return;
      }
    case 1:
      if (c.pos + 8 > end) throw OFF_PATH;
      c.pos += 8;
      return;
    case 2:
      c.pos = delimited(c, end);
      return;
    case 5:
      if (c.pos + 4 > end) throw OFF_PATH;
      c.pos += 4;
      return;
    default:
      throw OFF_PATH;
  }
}

/** Tag of the next field; one byte for every field the collector reads. */
function tagAt(c: Cursor, end: number): number {
  const b = c.buf[c.pos]!;
  if (b < 0x80) {
    c.pos++;
    return b;
  }
  return u32(c, end);
}

/** Tag numbers (field << 3 | wire type) of the fields read below. */
const VARINT = 0;
const I64 = 1;
const LEN = 2;
const tag = (field: number, wire: number) => (field << 3) | wire;

// ---- attributes: decoded once per distinct byte run ----

/**
 * Attribute byte runs (tags included) → decoded, interned attribute sets: a hash of the bytes read
 * four at a time, then a comparison of the bytes, so a repeat allocates nothing and builds no
 * string. Bounded: cleared when full.
 */
interface CachedSet {
  readonly bytes: DataView;
  readonly attributes: InternedAttributes;
  readonly next: CachedSet | undefined;
}
const attributeCache = new Map<number, CachedSet>();
let cachedSets = 0;
const ATTRIBUTE_CACHE_MAX = 20_000;
const EMPTY: InternedAttributes = internAttributes({});

function hashRun(c: Cursor, start: number, end: number): number {
  let h = 0x811c9dc5 ^ (end - start);
  let p = start;
  for (; p + 4 <= end; p += 4) h = Math.imul(h ^ c.view.getInt32(p, true), 0x01000193) ^ (h >>> 15);
  for (; p < end; p++) h = Math.imul(h ^ c.buf[p]!, 0x01000193);
  return h & 0x3fffffff;
}

function sameBytes(c: Cursor, a: DataView, start: number, end: number): boolean {
  const n = end - start;
  if (a.byteLength !== n) return false;
  let i = 0;
  for (; i + 4 <= n; i += 4) if (a.getInt32(i, true) !== c.view.getInt32(start + i, true)) return false;
  for (; i < n; i++) if (a.getUint8(i) !== c.buf[start + i]) return false;
  return true;
}

/** The string form of an AnyValue, as `normalizeMetrics` writes it. */
function anyValue(c: Cursor, end: number): string {
  let str: string | undefined;
  let bool: boolean | undefined;
  let int: number | undefined;
  let dbl: number | undefined;
  while (c.pos < end) {
    const t = tagAt(c, end);
    switch (t) {
      case tag(1, LEN):
        str = string(c, end);
        break;
      case tag(2, VARINT):
        bool = u32(c, end) !== 0;
        break;
      case tag(3, VARINT):
        int = i64(c, end);
        break;
      case tag(4, I64):
        dbl = finite(c, fixed8(c, end));
        break;
      default:
        // Array, kvlist and bytes values are rare in metric attributes: left to the reference path.
        if (t >>> 3 >= 1 && t >>> 3 <= 7) throw OFF_PATH;
        skip(c, t, end);
    }
  }
  if (str !== undefined) return str;
  if (bool !== undefined) return bool ? 'true' : 'false';
  if (int !== undefined) return String(int);
  if (dbl !== undefined) return String(dbl);
  return '';
}

/** One KeyValue into `out` (entries with an empty key are dropped, as by the reference path). */
function keyValue(c: Cursor, end: number, out: Attributes): void {
  let key = '';
  let value = '';
  while (c.pos < end) {
    const t = tagAt(c, end);
    if (t === tag(1, LEN)) key = string(c, end);
    else if (t === tag(2, LEN)) {
      const e = delimited(c, end);
      value = anyValue(c, e);
    } else if (t >>> 3 === 1 || t >>> 3 === 2) throw OFF_PATH;
    else skip(c, t, end);
  }
  if (key !== '') setAttribute(out, key, value);
}

/**
 * The attributes of a message: one contiguous run of `attrTag` entries starting at `start` (the
 * first tag, already read). Ends at the first field that is not an attribute entry.
 */
function attributeRun(c: Cursor, start: number, attrTag: number, end: number): InternedAttributes {
  for (;;) {
    c.pos = delimited(c, end);
    if (c.pos >= end || c.buf[c.pos] !== attrTag) break;
    c.pos++;
  }
  const runEnd = c.pos;
  const hash = hashRun(c, start, runEnd);
  for (let k = attributeCache.get(hash); k !== undefined; k = k.next) if (sameBytes(c, k.bytes, start, runEnd)) return k.attributes;
  const out: Attributes = {};
  c.pos = start;
  while (c.pos < runEnd) {
    c.pos++; // the one-byte tag
    const e = delimited(c, runEnd);
    keyValue(c, e, out);
  }
  const interned = internAttributes(out);
  if (cachedSets >= ATTRIBUTE_CACHE_MAX) {
    attributeCache.clear();
    cachedSets = 0;
  }
  const copy = new Uint8Array(runEnd - start);
  copy.set(c.buf.subarray(start, runEnd));
  attributeCache.set(hash, { bytes: new DataView(copy.buffer), attributes: interned, next: attributeCache.get(hash) });
  cachedSets++;
  return interned;
}

/** `normalizeMetrics`' reading of a fixed64 nanosecond timestamp: '' for 0, else its decimal double. */
function nanos(c: Cursor, p: number): string {
  const lo = lo32(c, p);
  const hi = lo32(c, p + 4);
  if (lo === 0 && hi === 0) return '';
  if (lo !== c.lastStartLo || hi !== c.lastStartHi || c.lastStart === '') {
    c.lastStartLo = lo;
    c.lastStartHi = hi;
    c.lastStart = String(hi * TWO_32 + lo);
  }
  return c.lastStart;
}

// ---- messages ----

function exemplar(c: Cursor, end: number): Exemplar {
  let time = -1;
  let int: number | undefined;
  let dbl: number | undefined;
  let traceId = '';
  let spanId = '';
  while (c.pos < end) {
    const start = c.pos;
    const t = tagAt(c, end);
    switch (t) {
      case tag(7, LEN):
        if (c.pos === start + 1) attributeRun(c, start, t, end); // filtered attributes: checked, not kept
        else throw OFF_PATH;
        break;
      case tag(2, I64):
        time = fixed8(c, end);
        break;
      case tag(3, I64):
        dbl = finite(c, fixed8(c, end));
        break;
      case tag(6, I64):
        int = signed64(c, fixed8(c, end));
        break;
      case tag(4, LEN): {
        const e = delimited(c, end);
        spanId = c.buf.hexSlice(c.pos, e);
        c.pos = e;
        break;
      }
      case tag(5, LEN): {
        const e = delimited(c, end);
        traceId = c.buf.hexSlice(c.pos, e);
        c.pos = e;
        break;
      }
      default:
        if (t >>> 3 >= 2 && t >>> 3 <= 7) throw OFF_PATH;
        skip(c, t, end);
    }
  }
  const ns = time < 0 ? '' : nanos(c, time);
  return {
    value: int !== undefined ? int : dbl !== undefined ? dbl : 0,
    timeUnixMs: ns === '' ? 0 : Math.floor(Number(ns) / 1e6),
    traceId,
    spanId,
  };
}

function numberPoint(c: Cursor, end: number): NumberPoint {
  let attributes: InternedAttributes | undefined;
  let start = '';
  let int: number | undefined;
  let dbl: number | undefined;
  while (c.pos < end) {
    const at = c.pos;
    const t = tagAt(c, end);
    switch (t) {
      case tag(7, LEN):
        if (attributes !== undefined || c.pos !== at + 1) throw OFF_PATH;
        attributes = attributeRun(c, at, t, end);
        break;
      case tag(2, I64):
        start = nanos(c, fixed8(c, end));
        break;
      case tag(3, I64):
        fixed8(c, end);
        break;
      case tag(4, I64):
        dbl = finite(c, fixed8(c, end));
        break;
      case tag(6, I64):
        int = signed64(c, fixed8(c, end));
        break;
      case tag(5, LEN): {
        const e = delimited(c, end);
        exemplar(c, e); // not used for number points, but checked like the reference path does
        break;
      }
      default:
        if (t >>> 3 >= 2 && t >>> 3 <= 7) throw OFF_PATH;
        skip(c, t, end);
    }
  }
  return { attributes: attributes ?? EMPTY, start, value: int !== undefined ? int : dbl !== undefined ? dbl : 0 };
}

/** A repeated fixed64/double field: packed (one run) or one element per field. */
function pushFixed(c: Cursor, t: number, end: number, out: number[], asDouble: boolean): void {
  if ((t & 7) === LEN) {
    const e = delimited(c, end);
    if ((e - c.pos) % 8 !== 0) throw OFF_PATH;
    for (let p = c.pos; p < e; p += 8) out.push(asDouble ? finite(c, p) : unsigned64(c, p));
    c.pos = e;
  } else if ((t & 7) === I64) {
    const p = fixed8(c, end);
    out.push(asDouble ? finite(c, p) : unsigned64(c, p));
  } else throw OFF_PATH;
}

function histogramPoint(c: Cursor, end: number): HistogramPoint {
  let attributes: InternedAttributes | undefined;
  let start = '';
  let count = 0;
  let sum = 0;
  const bounds: number[] = [];
  const counts: number[] = [];
  let exemplars: Exemplar[] | undefined;
  while (c.pos < end) {
    const at = c.pos;
    const t = tagAt(c, end);
    switch (t) {
      case tag(9, LEN):
        if (attributes !== undefined || c.pos !== at + 1) throw OFF_PATH;
        attributes = attributeRun(c, at, t, end);
        break;
      case tag(2, I64):
        start = nanos(c, fixed8(c, end));
        break;
      case tag(3, I64):
        fixed8(c, end);
        break;
      case tag(4, I64):
        count = unsigned64(c, fixed8(c, end));
        break;
      case tag(5, I64):
        sum = finite(c, fixed8(c, end));
        break;
      case tag(6, LEN):
      case tag(6, I64):
        pushFixed(c, t, end, counts, false);
        break;
      case tag(7, LEN):
      case tag(7, I64):
        pushFixed(c, t, end, bounds, true);
        break;
      case tag(8, LEN): {
        const e = delimited(c, end);
        (exemplars ??= []).push(exemplar(c, e));
        break;
      }
      default:
        if (t >>> 3 >= 2 && t >>> 3 <= 9) throw OFF_PATH;
        skip(c, t, end);
    }
  }
  // Refused by the reference path (with its message).
  if (counts.length !== 0 && counts.length !== bounds.length + 1) throw OFF_PATH;
  const point: HistogramPoint = { attributes: attributes ?? EMPTY, start, count, sum, bounds, counts };
  if (exemplars) (point as { exemplars?: Exemplar[] }).exemplars = exemplars;
  return point;
}

/** Sum, Gauge or Histogram: data points (field 1), temporality (2), monotonic (3, sums only). */
function metricData(c: Cursor, kind: 'sum' | 'gauge' | 'histogram', end: number): MetricData {
  let temporality = 0;
  let monotonic = false;
  const numbers: NumberPoint[] = [];
  const histograms: HistogramPoint[] = [];
  while (c.pos < end) {
    const t = tagAt(c, end);
    if (t === tag(1, LEN)) {
      const e = delimited(c, end);
      if (kind === 'histogram') histograms.push(histogramPoint(c, e));
      else numbers.push(numberPoint(c, e));
    } else if (t === tag(2, VARINT) && kind !== 'gauge') temporality = u32(c, end) | 0;
    else if (t === tag(3, VARINT) && kind === 'sum') monotonic = u32(c, end) !== 0;
    else if (t >>> 3 === 1 || (t >>> 3 === 2 && kind !== 'gauge') || (t >>> 3 === 3 && kind === 'sum')) throw OFF_PATH;
    else skip(c, t, end);
  }
  if (kind === 'sum') return { type: 'sum', temporality, monotonic, points: numbers };
  if (kind === 'gauge') return { type: 'gauge', points: numbers };
  return { type: 'histogram', temporality, points: histograms };
}

function metric(c: Cursor, end: number): Metric {
  let name = '';
  let description = '';
  let unit = '';
  let sum: MetricData | undefined;
  let gauge: MetricData | undefined;
  let histogram: MetricData | undefined;
  while (c.pos < end) {
    const t = tagAt(c, end);
    switch (t) {
      case tag(1, LEN):
        name = string(c, end);
        break;
      case tag(2, LEN):
        description = string(c, end);
        break;
      case tag(3, LEN):
        unit = string(c, end);
        break;
      case tag(5, LEN):
        gauge = metricData(c, 'gauge', delimited(c, end));
        break;
      case tag(7, LEN):
        sum = metricData(c, 'sum', delimited(c, end));
        break;
      case tag(9, LEN):
        histogram = metricData(c, 'histogram', delimited(c, end));
        break;
      default: {
        // Exponential histograms (10) and summaries (11) are counted and refused: reference path.
        const f = t >>> 3;
        if ((f >= 1 && f <= 3) || f === 5 || f === 7 || f >= 9 && f <= 11) throw OFF_PATH;
        skip(c, t, end);
      }
    }
  }
  // The reference path's precedence when several are set: sum, gauge, histogram.
  const data = sum ?? gauge ?? histogram ?? { type: 'unsupported', what: 'empty metric', points: 0 };
  return { name, unit, description, data };
}

/** InstrumentationScope: not used, but walked (its name and version must be within bounds). */
function scope(c: Cursor, end: number): void {
  while (c.pos < end) {
    const t = tagAt(c, end);
    if (t === tag(1, LEN) || t === tag(2, LEN)) c.pos = delimited(c, end);
    else if (t >>> 3 === 1 || t >>> 3 === 2) throw OFF_PATH;
    else skip(c, t, end);
  }
}

function scopeMetrics(c: Cursor, end: number, metrics: Metric[]): void {
  while (c.pos < end) {
    const t = tagAt(c, end);
    if (t === tag(1, LEN)) scope(c, delimited(c, end));
    else if (t === tag(2, LEN)) metrics.push(metric(c, delimited(c, end)));
    else if (t >>> 3 === 1 || t >>> 3 === 2) throw OFF_PATH;
    else skip(c, t, end);
  }
}

function resource(c: Cursor, end: number): InternedAttributes {
  let attributes: InternedAttributes | undefined;
  while (c.pos < end) {
    const at = c.pos;
    const t = tagAt(c, end);
    if (t === tag(1, LEN)) {
      if (attributes !== undefined || c.pos !== at + 1) throw OFF_PATH;
      attributes = attributeRun(c, at, t, end);
    } else if (t >>> 3 === 1) throw OFF_PATH;
    else skip(c, t, end);
  }
  return attributes ?? EMPTY;
}

function resourceMetrics(c: Cursor, end: number): ResourceMetrics {
  let attrs: InternedAttributes = EMPTY;
  const metrics: Metric[] = [];
  while (c.pos < end) {
    const t = tagAt(c, end);
    if (t === tag(1, LEN)) attrs = resource(c, delimited(c, end));
    else if (t === tag(2, LEN)) scopeMetrics(c, delimited(c, end), metrics);
    else if (t >>> 3 === 1 || t >>> 3 === 2) throw OFF_PATH;
    else skip(c, t, end);
  }
  return { resource: attrs, metrics };
}

/**
 * The request in the collector's types, or `undefined` when the body is outside the fast subset
 * (decode it with the reference path then: it gives the same result or the error to answer).
 * Attribute sets in the result are interned (types.ts `InternedAttributes`): frozen and shared
 * between requests.
 */
export function readMetricsRequest(body: Buffer): ResourceMetrics[] | undefined {
  // A cursor of its own: nothing outlives the call but the attribute cache (the body is not kept).
  const c = new Cursor(body as FastBuffer);
  const end = body.length;
  try {
    const out: ResourceMetrics[] = [];
    while (c.pos < end) {
      const t = tagAt(c, end);
      if (t === tag(1, LEN)) out.push(resourceMetrics(c, delimited(c, end)));
      else if (t >>> 3 === 1) throw OFF_PATH;
      else skip(c, t, end);
    }
    return out;
  } catch (err) {
    if (err === OFF_PATH) return undefined;
    throw err;
  }
}
