/**
 * Reads a decoded OTLP request — `JSON.parse` output, or protobufjs `toObject` output, which has the
 * same camelCase shape — into the collector's own types. Checks every value it uses (a wrong type
 * or a non-finite number is a 400 naming the field) and ignores every field it does not use.
 * Every string it keeps is well-formed (well-formed.ts).
 */
import protobuf from 'protobufjs';
import {
  setAttribute,
  type Attributes,
  type Exemplar,
  type HistogramPoint,
  type Metric,
  type MetricData,
  type NumberPoint,
  type ResourceMetrics,
  type Span,
} from './types.js';
import { wellFormed } from './well-formed.js';

export class DecodeError extends Error {
  constructor(
    message: string,
    /** HTTP status to answer with. */
    readonly status = 400,
    /** Label for `hmac_slo_collector_rejected_pushes_total{reason}`. */
    readonly reason = 'malformed',
  ) {
    super(message);
    this.name = 'DecodeError';
  }
}

type Obj = Record<string, unknown>;

/**
 * Own, set fields only: decoded protobufjs messages carry defaults on their prototype (null for
 * messages, 0 for numbers), which must not read as "present".
 */
function has(o: Obj, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key) && o[key] !== undefined && o[key] !== null;
}

/** A long.js value, as protobufjs decodes 64-bit fields. */
interface LongLike {
  low: number;
  high: number;
  toNumber(): number;
}
function isLong(v: unknown): v is LongLike {
  return typeof v === 'object' && v !== null && typeof (v as LongLike).low === 'number' && typeof (v as LongLike).toNumber === 'function';
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function obj(v: unknown, where: string): Obj {
  if (v === undefined || v === null) return {};
  if (!isObj(v)) throw new DecodeError(`${where}: expected an object`);
  return v;
}

function list(v: unknown, where: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new DecodeError(`${where}: expected an array`);
  return v;
}

function str(v: unknown, where: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new DecodeError(`${where}: expected a string`);
  return wellFormed(v);
}

/** A double: JSON numbers, or the proto3-JSON strings for special values (refused: not finite). */
function num(v: unknown, where: string, fallback = 0): number {
  if (v === undefined || v === null) return fallback;
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && v.trim() !== '') n = Number(v);
  else throw new DecodeError(`${where}: expected a number`);
  if (!Number.isFinite(n)) throw new DecodeError(`${where}: non-finite number (${String(v)}) refused`, 400, 'non_finite');
  return n;
}

/** A 64-bit integer: decimal string (OTLP/JSON, protobufjs `longs: String`) or a JSON number. */
function int64(v: unknown, where: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (isLong(v)) return v.toNumber();
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  throw new DecodeError(`${where}: expected a 64-bit integer`);
}

function nanos(v: unknown, where: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return String(v);
  if (isLong(v)) return v.low === 0 && v.high === 0 ? '' : String(v.toNumber());
  if (typeof v === 'string' && /^\d+$/.test(v)) return v;
  throw new DecodeError(`${where}: expected nanoseconds as an integer`);
}

const msOf = (ns: string): number => (ns === '' ? 0 : Math.floor(Number(ns) / 1e6));

/** OTLP/JSON enums may be written as numbers or as their names. */
function enumValue(v: unknown, names: readonly string[], where: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string') {
    const i = names.indexOf(v);
    if (i >= 0) return i;
  }
  throw new DecodeError(`${where}: unknown enum value ${JSON.stringify(v)}`);
}

const TEMPORALITIES = ['AGGREGATION_TEMPORALITY_UNSPECIFIED', 'AGGREGATION_TEMPORALITY_DELTA', 'AGGREGATION_TEMPORALITY_CUMULATIVE'];
const STATUS_CODES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

/** Trace and span IDs: hex in OTLP/JSON, bytes in protobuf; always lower-case hex here. */
function id(v: unknown, where: string): string {
  // An absent protobuf `bytes` field reads as protobufjs' shared empty array: no ID, like an absent JSON field.
  if (v === undefined || v === null || v === protobuf.util.emptyArray) return '';
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  if (typeof v === 'string' && /^[0-9a-fA-F]*$/.test(v)) return v.toLowerCase();
  throw new DecodeError(`${where}: expected a hex ID`);
}

/**
 * Error paths are built only when something is wrong: the hot per-point code names fields with
 * static strings and each level adds its prefix while an error passes through.
 */
function prefixed(err: unknown, prefix: string): unknown {
  if (!(err instanceof DecodeError)) return err;
  return new DecodeError(`${prefix}.${err.message}`, err.status, err.reason);
}

function anyValue(v: unknown, depth = 0): string {
  const a = obj(v, 'value');
  if (has(a, 'stringValue')) return str(a.stringValue, 'value.stringValue');
  if (has(a, 'boolValue')) return a.boolValue === true ? 'true' : 'false';
  if (has(a, 'intValue')) return String(int64(a.intValue, 'value.intValue'));
  if (has(a, 'doubleValue')) return String(num(a.doubleValue, 'value.doubleValue'));
  if (depth < 4 && has(a, 'arrayValue')) {
    const values = list(obj(a.arrayValue, 'value.arrayValue').values, 'value.arrayValue.values');
    return JSON.stringify(values.map((x) => anyValue(x, depth + 1)));
  }
  if (a.bytesValue instanceof Uint8Array) return Buffer.from(a.bytesValue).toString('base64');
  if (typeof a.bytesValue === 'string') return wellFormed(a.bytesValue);
  return '';
}

function attributes(v: unknown, where: string): Attributes {
  const out: Attributes = {};
  const kvs = list(v, where);
  for (let i = 0; i < kvs.length; i++) {
    try {
      const kv = obj(kvs[i], 'entry');
      const key = str(kv.key, 'key');
      if (key === '') continue;
      setAttribute(out, key, anyValue(kv.value));
    } catch (err) {
      throw prefixed(err, `${where}[${i}]`);
    }
  }
  return out;
}

function numberPoint(p: unknown): NumberPoint {
  const dp = obj(p, 'point');
  const value = has(dp, 'asInt') ? int64(dp.asInt, 'asInt') : num(dp.asDouble, 'asDouble');
  return { attributes: attributes(dp.attributes, 'attributes'), start: nanos(dp.startTimeUnixNano, 'startTimeUnixNano'), value };
}

function numberPoints(v: unknown, where: string): NumberPoint[] {
  const items = list(v, where);
  const out: NumberPoint[] = new Array(items.length);
  for (let i = 0; i < items.length; i++) {
    try {
      out[i] = numberPoint(items[i]);
    } catch (err) {
      throw prefixed(err, `${where}[${i}]`);
    }
  }
  return out;
}

function exemplars(v: unknown): Exemplar[] | undefined {
  const xs = list(v, 'exemplars');
  if (xs.length === 0) return undefined;
  return xs.map((x, i) => {
    try {
      const e = obj(x, 'exemplar');
      return {
        value: has(e, 'asInt') ? int64(e.asInt, 'asInt') : num(e.asDouble, 'asDouble'),
        timeUnixMs: msOf(nanos(e.timeUnixNano, 'timeUnixNano')),
        traceId: id(e.traceId, 'traceId'),
        spanId: id(e.spanId, 'spanId'),
      };
    } catch (err) {
      throw prefixed(err, `exemplars[${i}]`);
    }
  });
}

function numbers(v: unknown, where: string, read: (x: unknown, where: string) => number, integer: boolean): number[] {
  const items = list(v, where);
  const out: number[] = new Array(items.length);
  for (let j = 0; j < items.length; j++) {
    const x = items[j];
    // Fast path for the common case; anything else goes through the checking reader.
    out[j] = typeof x === 'number' && (integer ? Number.isInteger(x) : Number.isFinite(x)) ? x : read(x, `${where}[${j}]`);
  }
  return out;
}

function histogramPoint(p: unknown): HistogramPoint {
  const dp = obj(p, 'point');
  const bounds = numbers(dp.explicitBounds, 'explicitBounds', num, false);
  const counts = numbers(dp.bucketCounts, 'bucketCounts', int64, true);
  const count = int64(dp.count, 'count');
  if (counts.length !== 0 && counts.length !== bounds.length + 1) {
    throw new DecodeError(`bucketCounts: ${counts.length} bucketCounts for ${bounds.length} explicitBounds (expected ${bounds.length + 1})`);
  }
  const ex = exemplars(dp.exemplars);
  return {
    attributes: attributes(dp.attributes, 'attributes'),
    start: nanos(dp.startTimeUnixNano, 'startTimeUnixNano'),
    count,
    sum: num(dp.sum, 'sum'),
    bounds,
    counts,
    ...(ex ? { exemplars: ex } : {}),
  };
}

function histogramPoints(v: unknown, where: string): HistogramPoint[] {
  const items = list(v, where);
  const out: HistogramPoint[] = new Array(items.length);
  for (let i = 0; i < items.length; i++) {
    try {
      out[i] = histogramPoint(items[i]);
    } catch (err) {
      throw prefixed(err, `${where}[${i}]`);
    }
  }
  return out;
}

function metricData(m: Obj, w: string): MetricData {
  if (has(m, 'sum')) {
    const s = obj(m.sum, `${w}.sum`);
    return {
      type: 'sum',
      temporality: enumValue(s.aggregationTemporality, TEMPORALITIES, `${w}.sum.aggregationTemporality`),
      monotonic: s.isMonotonic === true,
      points: numberPoints(s.dataPoints, `${w}.sum.dataPoints`),
    };
  }
  if (has(m, 'gauge')) return { type: 'gauge', points: numberPoints(obj(m.gauge, `${w}.gauge`).dataPoints, `${w}.gauge.dataPoints`) };
  if (has(m, 'histogram')) {
    const h = obj(m.histogram, `${w}.histogram`);
    return {
      type: 'histogram',
      temporality: enumValue(h.aggregationTemporality, TEMPORALITIES, `${w}.histogram.aggregationTemporality`),
      points: histogramPoints(h.dataPoints, `${w}.histogram.dataPoints`),
    };
  }
  for (const what of ['exponentialHistogram', 'summary'] as const) {
    if (has(m, what)) return { type: 'unsupported', what, points: list(obj(m[what], `${w}.${what}`).dataPoints, w).length };
  }
  return { type: 'unsupported', what: 'empty metric', points: 0 };
}

export function normalizeMetrics(body: unknown): ResourceMetrics[] {
  const req = obj(body, 'request');
  return list(req.resourceMetrics, 'resourceMetrics').map((r, i) => {
    const rw = `resourceMetrics[${i}]`;
    const rm = obj(r, rw);
    const resource = attributes(obj(rm.resource, `${rw}.resource`).attributes, `${rw}.resource.attributes`);
    const metrics: Metric[] = [];
    list(rm.scopeMetrics, `${rw}.scopeMetrics`).forEach((s, j) => {
      const sw = `${rw}.scopeMetrics[${j}]`;
      list(obj(s, sw).metrics, `${sw}.metrics`).forEach((mm, k) => {
        const w = `${sw}.metrics[${k}]`;
        const m = obj(mm, w);
        metrics.push({
          name: str(m.name, `${w}.name`),
          unit: str(m.unit, `${w}.unit`),
          description: str(m.description, `${w}.description`),
          data: metricData(m, w),
        });
      });
    });
    return { resource, metrics };
  });
}

export function normalizeSpans(body: unknown): Span[] {
  const req = obj(body, 'request');
  const out: Span[] = [];
  list(req.resourceSpans, 'resourceSpans').forEach((r, i) => {
    const rw = `resourceSpans[${i}]`;
    const rs = obj(r, rw);
    const resource = attributes(obj(rs.resource, `${rw}.resource`).attributes, `${rw}.resource.attributes`);
    list(rs.scopeSpans, `${rw}.scopeSpans`).forEach((s, j) => {
      const sw = `${rw}.scopeSpans[${j}]`;
      list(obj(s, sw).spans, `${sw}.spans`).forEach((sp, k) => {
        const w = `${sw}.spans[${k}]`;
        const span = obj(sp, w);
        const status = obj(span.status, `${w}.status`);
        out.push({
          resource,
          name: str(span.name, `${w}.name`),
          traceId: id(span.traceId, `${w}.traceId`),
          spanId: id(span.spanId, `${w}.spanId`),
          startUnixMs: msOf(nanos(span.startTimeUnixNano, `${w}.startTimeUnixNano`)),
          endUnixMs: msOf(nanos(span.endTimeUnixNano, `${w}.endTimeUnixNano`)),
          attributes: attributes(span.attributes, `${w}.attributes`),
          statusCode: enumValue(status.code, STATUS_CODES, `${w}.status.code`),
        });
      });
    });
  });
  return out;
}
