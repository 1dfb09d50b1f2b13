/**
 * The single-pass protobuf reader (src/collector/otlp/wire.ts) against the reference path
 * (protobufjs decode + normalizeMetrics), which it must match exactly: same normalised requests,
 * same refusals (status, reason and message). Fed with
 *  - bodies the real `@opentelemetry/exporter-metrics-otlp-proto` exporter sends (captured on a
 *    loopback server): counters, up-down counters, gauges, histograms, attribute value types,
 *    cumulative and delta, exponential histograms;
 *  - hand-written wire edge cases: unknown fields of every wire type at every level, packed and
 *    unpacked repeated fixed64/double, asInt and asDouble, negative integers, empty messages,
 *    duplicate fields, non-finite numbers, bucket count mismatches, groups, bad wire types;
 *  - every truncation of real bodies, and thousands of randomly mutated bodies.
 * Where the fast reader is expected to take a body itself (not hand it to the reference path), the
 * test also checks that it did, so the comparison is not vacuous.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { AggregationTemporalityPreference } from '@opentelemetry/exporter-metrics-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationType, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { decodeMetrics, decodeMetricsBody } from '../../src/collector/otlp/body.js';
import { DecodeError, normalizeMetrics } from '../../src/collector/otlp/normalize.js';
import { readMetricsRequest } from '../../src/collector/otlp/wire.js';

const limits = { maxBodyBytes: 4 << 20, maxJsonDepth: 32 };

type Outcome = { ok: unknown } | { status: number; reason: string; message: string };

function outcome(f: () => unknown): Outcome {
  try {
    return { ok: f() };
  } catch (err) {
    if (err instanceof DecodeError) return { status: err.status, reason: err.reason, message: err.message };
    throw err;
  }
}

const reference = (body: Buffer) => outcome(() => normalizeMetrics(decodeMetricsBody(body, 'protobuf', limits)));
const fast = (body: Buffer) => outcome(() => decodeMetrics(body, 'protobuf', limits));

/** Same outcome both ways; returns whether the single-pass reader took the body itself. */
function same(body: Buffer, what: string): boolean {
  assert.deepStrictEqual(fast(body), reference(body), what);
  return readMetricsRequest(body) !== undefined;
}

// ---- bodies from the real exporter ----

const captured: Buffer[] = [];

async function exportWith(temporality: 'cumulative' | 'delta', record: (p: MeterProvider) => void, exponential = false): Promise<void> {
  const bodies: Buffer[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks));
      res.writeHead(200, { 'content-type': 'application/x-protobuf' });
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const exporter = new OTLPMetricExporter({
    url: `http://127.0.0.1:${port}/v1/metrics`,
    temporalityPreference: temporality === 'delta' ? AggregationTemporalityPreference.DELTA : AggregationTemporalityPreference.CUMULATIVE,
  });
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'wire-test', 'service.namespace': 'shop', 'service.instance.id': 'i-1', 'host.cores': 8, 'deployment.canary': false }),
    readers: [reader],
    views: exponential ? [{ instrumentName: 'hmac.exp.duration', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }] : [],
  });
  record(provider);
  await reader.forceFlush();
  record(provider);
  await reader.forceFlush();
  await provider.shutdown();
  await new Promise<void>((r) => server.close(() => r()));
  assert.ok(bodies.length >= 2, 'the exporter sent its pushes');
  captured.push(...bodies);
}

function recordAll(p: MeterProvider): void {
  const m = p.getMeter('hmac-slo-wire-test', '1.2.3');
  const verifications = m.createCounter('hmac.auth.verifications', { unit: '{verification}', description: 'verifications' });
  verifications.add(3, { 'hmac.scheme': 'ref', 'hmac.key_id': 'k-1', 'hmac.outcome': 'accepted' });
  verifications.add(1, { 'hmac.scheme': 'ref', 'hmac.key_id': 'k-1', 'hmac.outcome': 'rejected', 'error.type': 'signature_mismatch' });
  verifications.add(2, {});
  // Attribute value types: bool, int (also negative), double, unicode.
  verifications.add(5, { 'hmac.key_id': 'clé-ü-🔑', 'x.bool': true, 'x.int': -42, 'x.big': 2 ** 40, 'x.double': 0.25 });
  const inflight = m.createUpDownCounter('hmac.kms.inflight');
  inflight.add(4, { 'hmac.kms.provider': 'aws' });
  inflight.add(-7, { 'hmac.kms.provider': 'aws' });
  const fractional = m.createCounter('hmac.fractional');
  fractional.add(0.5, { a: 'b' });
  const duration = m.createHistogram('hmac.auth.verification.duration', { unit: 's', advice: { explicitBucketBoundaries: [0.001, 0.005, 0.025, 0.1, 1] } });
  for (const v of [0.0005, 0.003, 0.02, 0.5, 7]) duration.record(v, { 'hmac.outcome': 'accepted' });
  const ints = m.createHistogram('hmac.sizes', { valueType: 1 });
  ints.record(12, { size: 'small' });
  m.createObservableGauge('hmac.key.age', { unit: 's' }).addCallback((r) => {
    r.observe(86_400.5, { 'hmac.key_id': 'k-1' });
    r.observe(-3, { 'hmac.key_id': 'k-2' });
  });
  m.createCounter('other.metric').add(1);
}

before(async () => {
  await exportWith('cumulative', recordAll);
  await exportWith('delta', recordAll);
  await exportWith(
    'cumulative',
    (p) => {
      p.getMeter('exp').createHistogram('hmac.exp.duration').record(0.3, { k: 'v' });
      p.getMeter('exp').createCounter('hmac.auth.verifications').add(1, { k: 'v' });
    },
    true,
  );
});

test('real exporter bodies: identical results, read by the single-pass reader', () => {
  for (const [i, body] of captured.entries()) {
    const ref = reference(body);
    assert.ok('ok' in ref, `body ${i} is accepted by the reference path`);
    // Exponential histograms (counted and refused later) are left to the reference path; the rest is not.
    const exponential = body.includes('hmac.exp.duration');
    assert.equal(same(body, `body ${i}`), !exponential, `body ${i} read by the single-pass reader`);
  }
  assert.ok(captured.some((b) => !b.includes('hmac.exp.duration')));
  const first = readMetricsRequest(captured[0]!)!;
  // Sanity of what was compared: the data is really there.
  assert.equal(first[0]!.resource['service.name'], 'wire-test');
  assert.equal(first[0]!.resource['host.cores'], '8');
  const names = first[0]!.metrics.map((m) => m.name);
  for (const n of ['hmac.auth.verifications', 'hmac.kms.inflight', 'hmac.auth.verification.duration', 'hmac.key.age', 'other.metric']) assert.ok(names.includes(n), n);
});

test('every truncation of a real body: same result or same refusal', () => {
  for (const body of captured.slice(0, 3)) {
    for (let n = 0; n < body.length; n++) same(body.subarray(0, n), `prefix ${n}/${body.length}`);
  }
});

test('randomly mutated real bodies: same result or same refusal', () => {
  let seed = 12345;
  const rnd = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  let accepted = 0;
  for (let i = 0; i < 3000; i++) {
    const src = captured[rnd(captured.length)]!;
    const b = Buffer.from(src);
    const edits = 1 + rnd(3);
    let body = b;
    for (let e = 0; e < edits; e++) {
      const at = rnd(body.length);
      switch (rnd(4)) {
        case 0:
          body[at] = rnd(256);
          break;
        case 1:
          body[at]! ^= 1 << rnd(8);
          break;
        case 2:
          body = Buffer.concat([body.subarray(0, at), Buffer.from([rnd(256)]), body.subarray(at)]);
          break;
        default:
          body = Buffer.concat([body.subarray(0, at), body.subarray(at + 1)]);
      }
    }
    if (same(body, `mutation ${i}`)) accepted++;
  }
  // Many mutations only change values (names, numbers): those must be read by the fast reader too.
  assert.ok(accepted > 150, `fast reader took ${accepted} mutated bodies`);
});

// ---- hand-written wire ----

const varint = (n: number | bigint): number[] => {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  while (v > 0x7fn) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
};
const key = (field: number, wire: number) => varint((field << 3) | wire);
const len = (field: number, ...parts: number[][]): number[] => {
  const body = parts.flat();
  return [...key(field, 2), ...varint(body.length), ...body];
};
const str = (field: number, s: string) => len(field, [...Buffer.from(s, 'utf8')]);
const fixed64 = (field: number, v: bigint): number[] => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt.asUintN(64, v));
  return [...key(field, 1), ...b];
};
const double = (field: number, v: number): number[] => {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  return [...key(field, 1), ...b];
};
const packedFixed = (field: number, vs: bigint[]) => len(field, ...vs.map((v) => fixed64(field, v).slice(key(field, 1).length)));
const packedDouble = (field: number, vs: number[]) => len(field, ...vs.map((v) => double(field, v).slice(key(field, 1).length)));
const vint = (field: number, v: number | bigint) => [...key(field, 0), ...varint(v)];

/** Unknown fields of each wire type, with numbers no OTLP message here declares (or declares elsewhere). */
const unknown = (field: number) => [...vint(field, 300), ...fixed64(field + 1, 7n), ...str(field + 2, 'x'), ...key(field + 3, 5), 1, 2, 3, 4];

const kv = (k: string, value: number[]) => len(1, str(1, k), len(2, value));
const sval = (s: string) => str(1, s);
const START = 1_764_000_000_123_456_789n;

function request(metrics: number[][], resourceAttrs: number[][] = [kv('service.name', sval('svc'))], extra: number[] = []): Buffer {
  const rm = len(1, len(1, ...resourceAttrs), len(2, len(1, str(1, 'scope'), str(2, '1.0')), ...metrics.map((m) => len(2, m))), extra);
  return Buffer.from(rm);
}
const sum = (points: number[][], temporality = 2, monotonic = true) => len(7, ...points.map((p) => len(1, p)), vint(2, temporality), monotonic ? vint(3, 1) : []);
/** Attribute entries (made by kv()) as repeated field `field` of a data point. */
const attrsAt = (field: number, attrs: number[][]) => attrs.flatMap((a) => [...key(field, 2), ...a.slice(key(1, 2).length)]);
const numberPoint = (attrs: number[][], value: number[]) => [...attrsAt(7, attrs), ...fixed64(2, START), ...fixed64(3, START + 5n), ...value];
const histPoint = (attrs: number[][], rest: number[]) => [...attrsAt(9, attrs), ...fixed64(2, START), ...fixed64(3, START + 5n), ...rest];
const hist = (points: number[][], temporality = 2) => len(9, ...points.map((p) => len(1, p)), vint(2, temporality));

function check(body: Buffer, what: string, expectFast = true): Outcome {
  const taken = same(body, what);
  if (expectFast) assert.ok(taken, `${what}: read by the single-pass reader`);
  return reference(body);
}

test('unknown fields of every wire type at every level are skipped', () => {
  const point = [...numberPoint([kv('a', sval('b'))], double(4, 2.5)), ...unknown(8)];
  const metric = [...str(1, 'hmac.x'), ...unknown(12), ...sum([point])];
  const body = Buffer.concat([
    Buffer.from(unknown(2)),
    request([metric], [kv('service.name', [...sval('svc'), ...unknown(8)])], unknown(3)),
    Buffer.from(unknown(5)),
  ]);
  const r = check(body, 'unknown fields');
  assert.ok('ok' in r);
  const [rm] = r.ok as ReturnType<typeof normalizeMetrics>;
  assert.equal(rm!.resource['service.name'], 'svc');
  assert.deepEqual(rm!.metrics[0]!.data, { type: 'sum', temporality: 2, monotonic: true, points: [{ attributes: { a: 'b' }, start: String(Number(START)), value: 2.5 }] });
});

test('packed and unpacked bucketCounts / explicitBounds, and the two mixed', () => {
  const base = histPoint([kv('k', sval('v'))], [...fixed64(4, 6n), ...double(5, 1.5)]);
  const packed = [...base, ...packedFixed(6, [1n, 2n, 3n]), ...packedDouble(7, [0.1, 1])];
  const unpacked = [...base, ...fixed64(6, 1n), ...fixed64(6, 2n), ...fixed64(6, 3n), ...double(7, 0.1), ...double(7, 1)];
  const mixed = [...base, ...packedFixed(6, [1n]), ...fixed64(6, 2n), ...packedFixed(6, [3n]), ...double(7, 0.1), ...packedDouble(7, [1])];
  const results = [packed, unpacked, mixed].map((p, i) => check(request([[...str(1, 'hmac.h'), ...hist([p])]]), `histogram ${i}`));
  for (const r of results) assert.ok('ok' in r);
  assert.deepStrictEqual(results[1], results[0]);
  assert.deepStrictEqual(results[2], results[0]);
  const data = ((results[0] as { ok: ReturnType<typeof normalizeMetrics> }).ok[0]!.metrics[0]!.data as { points: { counts: number[]; bounds: number[] }[] }).points[0]!;
  assert.deepEqual(data.counts, [1, 2, 3]);
  assert.deepEqual(data.bounds, [0.1, 1]);
  // An empty packed run is an empty list; a histogram with no buckets at all is fine too.
  check(request([[...str(1, 'hmac.h'), ...hist([[...base, ...len(6), ...len(7)]])]]), 'empty packed');
});

test('asInt and asDouble, negative and large integers, both set, neither set', () => {
  const cases: Array<[string, number[], number]> = [
    ['asDouble', double(4, -0.75), -0.75],
    ['asInt', fixed64(6, 42n), 42],
    ['negative asInt', fixed64(6, -5n), -5],
    ['asInt beyond 2^53', fixed64(6, 2n ** 60n + 1n), Number(2n ** 60n)],
    ['both (asInt wins)', [...double(4, 9.5), ...fixed64(6, 3n)], 3],
    ['neither', [], 0],
  ];
  for (const [what, value, expected] of cases) {
    const r = check(request([[...str(1, 'hmac.g'), ...len(5, len(1, numberPoint([], value)))]]), what);
    assert.ok('ok' in r, what);
    const p = ((r.ok as ReturnType<typeof normalizeMetrics>)[0]!.metrics[0]!.data as { points: { value: number }[] }).points[0]!;
    assert.equal(p.value, expected, what);
  }
});

test('attribute values: bool, negative int (10-byte varint), double, empty key dropped, duplicate key, absent value', () => {
  const attrs = [
    kv('b', vint(2, 1)),
    kv('f', vint(2, 0)),
    kv('i', vint(3, -1)),
    kv('big', vint(3, 2n ** 62n)),
    kv('d', double(4, 0.1)),
    kv('', sval('dropped')),
    kv('dup', sval('first')),
    kv('dup', sval('second')),
    len(1, str(1, 'novalue')),
    kv('multi', [...vint(2, 1), ...sval('string wins')]),
  ];
  const r = check(request([[...str(1, 'hmac.x'), ...sum([numberPoint(attrs, fixed64(6, 1n))])]]), 'attribute values');
  assert.ok('ok' in r);
  const a = ((r.ok as ReturnType<typeof normalizeMetrics>)[0]!.metrics[0]!.data as { points: { attributes: Record<string, string> }[] }).points[0]!.attributes;
  assert.deepEqual(a, { b: 'true', f: 'false', i: '-1', big: String(2 ** 62), d: '0.1', dup: 'second', novalue: '', multi: 'string wins' });
});

test('empty and minimal messages', () => {
  for (const [what, body] of [
    ['empty body', Buffer.alloc(0)],
    ['empty resourceMetrics', Buffer.from(len(1))],
    ['no resource', Buffer.from(len(1, len(2, len(2, str(1, 'hmac.x')))))],
    ['empty metric', request([[]])],
    ['empty sum', request([[...str(1, 'hmac.x'), ...len(7)]])],
    ['sum and gauge (sum wins)', request([[...str(1, 'hmac.x'), ...len(5, len(1, numberPoint([], double(4, 1)))), ...sum([numberPoint([], double(4, 2))])]])],
    ['repeated sum (last wins)', request([[...str(1, 'hmac.x'), ...sum([numberPoint([], double(4, 1))]), ...sum([numberPoint([], double(4, 2))], 1, false)]])],
    ['repeated resource (last wins)', Buffer.from(len(1, len(1, kv('service.name', sval('a'))), len(1, kv('service.name', sval('b')))))],
    ['point without attributes or start', request([[...str(1, 'hmac.x'), ...sum([double(4, 1)])]])],
  ] as const) {
    const r = check(body, what);
    assert.ok('ok' in r, what);
  }
  assert.deepEqual((reference(Buffer.alloc(0)) as { ok: unknown }).ok, []);
});

test('histogram exemplars, with and without trace context', () => {
  const ex = (withIds: boolean) =>
    len(8, double(3, 0.3), fixed64(2, START), withIds ? len(5, Array.from({ length: 16 }, (_, i) => i)) : [], withIds ? len(4, [1, 2, 3, 4, 5, 6, 7, 8]) : [], len(7, str(1, 'f'), len(2, sval('v'))));
  const p = [...histPoint([kv('k', sval('v'))], []), ...fixed64(4, 1n), ...double(5, 0.3), ...packedFixed(6, [0n, 1n]), ...packedDouble(7, [0.1]), ...ex(true), ...ex(false)];
  const r = check(request([[...str(1, 'hmac.h'), ...hist([p])]]), 'exemplars');
  assert.ok('ok' in r);
  const point = ((r.ok as ReturnType<typeof normalizeMetrics>)[0]!.metrics[0]!.data as { points: { exemplars: unknown[] }[] }).points[0]!;
  assert.deepEqual(point.exemplars, [
    { value: 0.3, timeUnixMs: Math.floor(Number(START) / 1e6), traceId: '000102030405060708090a0b0c0d0e0f', spanId: '0102030405060708' },
    { value: 0.3, timeUnixMs: Math.floor(Number(START) / 1e6), traceId: '', spanId: '' },
  ]);
});

test('refusals come from the reference path, word for word', () => {
  const h = (p: number[]) => request([[...str(1, 'hmac.h'), ...hist([histPoint([], p)])]]);
  const cases: Array<[string, Buffer, string]> = [
    ['NaN asDouble', request([[...str(1, 'hmac.x'), ...sum([numberPoint([], double(4, NaN))])]]), 'non_finite'],
    ['Infinity bound', h([...fixed64(4, 1n), ...packedFixed(6, [0n, 1n]), ...packedDouble(7, [Infinity])]), 'non_finite'],
    ['NaN sum', h([...fixed64(4, 1n), ...double(5, NaN)]), 'non_finite'],
    ['NaN attribute', request([[...str(1, 'hmac.x'), ...sum([numberPoint([kv('d', double(4, NaN))], double(4, 1))])]]), 'non_finite'],
    ['bucket count mismatch', h([...fixed64(4, 1n), ...packedFixed(6, [0n, 1n, 2n]), ...packedDouble(7, [1])]), 'malformed'],
    ['wire type 7', Buffer.from([...len(1), ...key(3, 7)]), 'malformed'],
    ['end group without start', Buffer.from(key(3, 4)), 'malformed'],
    ['length beyond the body', Buffer.from([0x0a, 0x10, 0x01]), 'malformed'],
    ['truncated fixed64', request([[...str(1, 'hmac.x'), ...sum([fixed64(2, 1n).slice(0, 5)])]]), 'malformed'],
    ['packed run not a multiple of 8', h(len(6, [1, 2, 3])), 'malformed'],
  ];
  for (const [what, body, reason] of cases) {
    const r = check(body, what, false);
    assert.ok(!('ok' in r), `${what} is refused`);
    assert.equal((r as { reason: string }).reason, reason, what);
    assert.equal((r as { status: number }).status, 400, what);
  }
});

test('odd but accepted encodings go to the reference path and give its result', () => {
  const cases: Array<[string, Buffer]> = [
    ['group in an unknown field', Buffer.from([...len(1, [...key(9, 3), ...vint(1, 5), ...key(9, 4)])])],
    ['overlong tag varint', Buffer.from([0x8a, 0x80, 0x80, 0x80, 0x00, 0x00])],
    ['declared field with another wire type', request([[...vint(1, 5)]])],
    ['attributes split by another field', request([[...str(1, 'hmac.x'), ...sum([[...attrsAt(7, [kv('a', sval('1'))]), ...double(4, 1), ...attrsAt(7, [kv('b', sval('2'))])]])]])],
    ['array attribute value', request([[...str(1, 'hmac.x'), ...sum([numberPoint([kv('arr', len(5, len(1, sval('x')), len(1, vint(3, 2))))], double(4, 1))])]])],
    ['negative temporality', request([[...str(1, 'hmac.x'), ...sum([numberPoint([], double(4, 1))], -1)]])],
  ];
  for (const [what, body] of cases) check(body, what, false);
});

test('attribute sets are reused across requests and frozen; different bytes, different sets', () => {
  const body = request([[...str(1, 'hmac.x'), ...sum([numberPoint([kv('a', sval('b'))], double(4, 1))])]]);
  const a = readMetricsRequest(body)!;
  const b = readMetricsRequest(Buffer.from(body))!;
  const pa = (a[0]!.metrics[0]!.data as { points: { attributes: object }[] }).points[0]!.attributes;
  const pb = (b[0]!.metrics[0]!.data as { points: { attributes: object }[] }).points[0]!.attributes;
  assert.equal(pa, pb);
  assert.ok(Object.isFrozen(pa));
  // Same length, one byte apart: another set.
  const other = readMetricsRequest(request([[...str(1, 'hmac.x'), ...sum([numberPoint([kv('a', sval('c'))], double(4, 1))])]]))!;
  assert.deepEqual((other[0]!.metrics[0]!.data as { points: { attributes: object }[] }).points[0]!.attributes, { a: 'c' });
  // Many distinct sets (the cache is bounded and starts afresh when full): still read right.
  for (let i = 0; i < 25_000; i++) {
    const b = request([[...str(1, 'hmac.x'), ...sum([numberPoint([kv('id', sval(`v-${i}`))], double(4, 1))])]]);
    const got = (readMetricsRequest(b)![0]!.metrics[0]!.data as { points: { attributes: object }[] }).points[0]!.attributes;
    if (i % 1000 === 0 || i > 24_990) assert.deepEqual(got, { id: `v-${i}` });
  }
  assert.deepEqual((readMetricsRequest(body)![0]!.metrics[0]!.data as { points: { attributes: object }[] }).points[0]!.attributes, { a: 'b' });
});

test('attribute keys named like Object.prototype members are own attributes, alike on both roads', () => {
  const attrs = [kv('__proto__', sval('p')), kv('constructor', sval('c')), kv('toString', sval('t')), kv('hasOwnProperty', sval('h'))];
  const r = check(request([[...str(1, 'hmac.x'), ...sum([numberPoint(attrs, fixed64(6, 1n))])]], [kv('service.name', sval('svc')), kv('__proto__', sval('r'))]), 'prototype keys');
  assert.ok('ok' in r);
  const rm = (r.ok as ReturnType<typeof normalizeMetrics>)[0]!;
  const a = (rm.metrics[0]!.data as { points: { attributes: Record<string, string> }[] }).points[0]!.attributes;
  assert.deepEqual(Object.entries(a), [['__proto__', 'p'], ['constructor', 'c'], ['toString', 't'], ['hasOwnProperty', 'h']]);
  assert.equal(Object.getPrototypeOf(a), Object.prototype);
  assert.deepEqual(Object.keys(rm.resource), ['service.name', '__proto__']);
});
