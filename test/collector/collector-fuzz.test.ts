/**
 * Hostile OTLP against a real collector (issue 9, "a scrape that cannot be broken by input"):
 * seeded random pushes — names (unicode, empty parts, the collector's own, the suffixes of other
 * families), units that are Object.prototype keys, attribute keys that collide once sanitized,
 * over-long and awkward values, huge, tiny, negative and overflowing numbers, histograms with bad
 * bounds and counts, one name pushed as several kinds — alternately as JSON and protobuf. After
 * every push the collector must answer below 500 and its /metrics must parse: the text format
 * with `promtool check metrics` (a parse error, not lint advice, fails: see exposition-check.ts),
 * OpenMetrics with the grammar check. Then the same after a SIGTERM restart (snapshot) and a
 * SIGKILL restart (push-log replay). A failure names the seed and push to replay it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExposition, startCollector, tempDir, type CollectorProcess } from '../support/collector.js';
import { kvs, pushMetrics, type Attrs } from './otlp-raw.js';
import { openMetricsProblems, promtoolParseError } from './exposition-check.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261130);
const PUSHES = Number(process.env.FUZZ_PUSHES ?? 200);

/** xorshift32: small, seeded, good enough to pick test input. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

const NAME_PARTS = ['a', 'b', 'a.b', 'a_b', 'x-y', 'ü', '名前', '', ' ', 'count', 'sum', 'bucket', 'total', 'created', 'seconds', '1', ':', '__name__', 'le', 'slo', 'collector'];
const WHOLE_NAMES = ['hmac.auth.verifications', 'hmac.auth.verification.duration', 'hmac.auth.verification.duration_seconds', 'hmac.slo.objective', 'hmac.slo.collector.series', 'hmac.', 'hmac..x', 'other.metric'];
const UNITS = ['', 's', 'ms', 'By', '1', '{req}', '%', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'ü', 'x/y'];
const HELPS = ['', 'plain', 'a "quoted" \\ help\nwith newline', 'cr\rhere', 'lone \ud800 surrogate', '# HELP x y'];
const KEYS = ['a.b', 'a_b', 'job', 'exported_job', 'le', 'ü', 'ö', '__name__', '__x', '_', '1abc', 'key_1abc', 'hmac.outcome', 'quantile', 'instance', 'k'.repeat(1030), 'x:y'];
const VALUES = ['', 'x', '"', '\\', '\\n', '\n', '\r', '\ud800', '\udfff', 'ü', ';', 'v'.repeat(1030), '€'.repeat(343), '€'.repeat(300), '{a="b"}', ' # EOF'];
const NUMBERS = [0, -0, 1, -1, 0.5, 1.5e308, 1.5e308, -1.5e308, 1.7976931348623157e308, 5e-324, 2 ** 53 + 2, 1e21, -1e21, 42];
const JOBS = ['svc', 'ü-svc', '', 'a"b\\c', 'line\nbreak', 'j'.repeat(1030)];

function generator(seed: number) {
  const r = prng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  // Now and then Infinity or NaN: a 400 in protobuf; JSON cannot carry them (null: absent).
  const num = () => (r() < 0.005 ? pick([Infinity, -Infinity, NaN]) : pick(NUMBERS));
  const attrs = (): Attrs => {
    const out: Attrs = {};
    if (r() < 0.05) for (let i = 0; i < 40; i++) out[`many${i}`] = 'v';
    // Often none, so that points meet in one series (and overflow it).
    const n = r() < 0.4 ? 0 : 1 + int(4);
    for (let i = 0; i < n; i++) out[pick(KEYS)] = pick(VALUES);
    return out;
  };
  const name = () => (r() < 0.3 ? pick(WHOLE_NAMES) : `hmac.${pick(NAME_PARTS)}${r() < 0.5 ? `.${pick(NAME_PARTS)}` : ''}`);
  const bounds = (): number[] => {
    const n = int(4);
    const b = Array.from({ length: n }, num);
    const how = int(4);
    if (how === 0) return b; // as drawn: unsorted or duplicated at times
    return [...new Set(b.map((x) => x || 0))].sort((x, y) => x - y); // strictly increasing
  };
  const histogramPoint = () => {
    const b = bounds();
    const counts = Array.from({ length: b.length + 1 }, () => (r() < 0.05 ? 2 ** 60 : int(5)));
    const total = counts.reduce((a, c) => a + c, 0);
    const point: Record<string, unknown> = {
      attributes: kvs(attrs()),
      startTimeUnixNano: pick(['1', '2', '0']),
      timeUnixNano: '3',
      count: String(r() < 0.15 ? total + 1 : total),
      sum: num(),
      bucketCounts: r() < 0.1 ? [] : counts.map(String),
      explicitBounds: b,
    };
    if (r() < 0.2) point.exemplars = [{ asDouble: num(), timeUnixNano: '1700000000000000000', traceId: pick(['ab'.repeat(16), 'ab'.repeat(100), '']), spanId: 'cd'.repeat(8) }];
    return point;
  };
  const numberPoint = () => ({
    attributes: kvs(attrs()),
    startTimeUnixNano: pick(['1', '2', '0']),
    timeUnixNano: '3',
    ...(r() < 0.2 ? { asInt: pick(['9223372036854775807', '-9223372036854775808', '0', '7']) } : { asDouble: num() }),
  });
  const metric = () => {
    const points = <T>(f: () => T) => Array.from({ length: 1 + int(3) }, f);
    const temporality = pick([0, 1, 1, 2, 2]);
    const kind = int(5);
    const data =
      kind === 0
        ? { gauge: { dataPoints: points(numberPoint) } }
        : kind <= 2
          ? { sum: { aggregationTemporality: temporality, isMonotonic: kind === 1, dataPoints: points(numberPoint) } }
          : { histogram: { aggregationTemporality: temporality, dataPoints: points(histogramPoint) } };
    return { name: name(), unit: pick(UNITS), description: pick(HELPS), ...data };
  };
  let last: object | undefined;
  return () => {
    // Sometimes the same request again: deltas add up (to an overflow), cumulative readings repeat.
    if (last && r() < 0.15) return last;
    const resource: Attrs = { 'service.name': pick(JOBS), 'service.instance.id': `i${int(3)}` };
    if (r() < 0.2) resource['service.namespace'] = pick(JOBS);
    const metrics = Array.from({ length: 1 + int(4) }, metric);
    return (last = { resourceMetrics: [{ resource: { attributes: kvs(resource) }, scopeMetrics: [{ scope: { name: 'fuzz' }, metrics }] }] });
  };
}

async function assertScrapeReadable(c: CollectorProcess, what: string): Promise<void> {
  const text = Buffer.from(await (await fetch(`${c.url}/metrics`)).arrayBuffer());
  assert.equal(promtoolParseError(text), undefined, what);
  const om = await fetch(`${c.url}/metrics`, { headers: { accept: 'application/openmetrics-text; version=1.0.0' } });
  assert.match(om.headers.get('content-type') ?? '', /openmetrics/);
  assert.deepEqual(openMetricsProblems(Buffer.from(await om.arrayBuffer())), [], what);
}

test(`hostile pushes never make /metrics unparseable, before or after a restart (seed ${SEED}, ${PUSHES} pushes)`, async (t) => {
  const tmp = tempDir();
  let c = await startCollector({ dir: tmp.dir });
  try {
    const next = generator(SEED);
    const statuses = new Map<number, number>();
    for (let i = 0; i < PUSHES; i++) {
      const encoding = i % 2 === 0 ? 'json' : 'protobuf';
      const what = `seed ${SEED}, push ${i} (${encoding})`;
      const answer = await pushMetrics(c.url, next(), encoding);
      assert.ok(answer.status < 500, `${what}: ${answer.status} ${answer.message}`);
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      await assertScrapeReadable(c, what);
    }
    // Most pushes are accepted (in part): the fuzz reaches the aggregator, not only the decoder.
    assert.ok((statuses.get(200) ?? 0) > PUSHES / 2, JSON.stringify([...statuses]));
    // Only the collector's own lines: pushed label values may hold a raw CR, which is valid in the
    // format but not for parseExposition's line regex.
    const own = (await (await fetch(`${c.url}/metrics`)).text()).split('\n').filter((l) => l.startsWith('hmac_slo_collector_'));
    const self = [...parseExposition(own.join('\n'))].filter(([k]) => /^hmac_slo_collector_(series|rejected_data_points_total|rejected_pushes_total)\{/.test(k));
    t.diagnostic(`statuses ${JSON.stringify([...statuses])}; ${self.map(([k, v]) => `${k} ${v}`).join('; ')}`);
    assert.ok((self.find(([k]) => k.startsWith('hmac_slo_collector_series{'))?.[1] ?? 0) >= 50, 'the fuzz creates series');
    assert.equal(await c.stop(), 0);
    c = await startCollector({ dir: tmp.dir });
    await assertScrapeReadable(c, `seed ${SEED}, after SIGTERM restart`);
    for (let i = 0; i < 10; i++) await pushMetrics(c.url, next(), i % 2 === 0 ? 'json' : 'protobuf');
    await c.kill();
    c = await startCollector({ dir: tmp.dir });
    await assertScrapeReadable(c, `seed ${SEED}, after SIGKILL restart`);
    assert.doesNotMatch(c.output(), /unreadable|moved aside|could not be replayed/);
  } finally {
    await c.kill();
    tmp.cleanup();
  }
});
