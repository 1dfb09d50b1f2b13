import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DURATION_BUCKETS_SECONDS } from '@hmac-slo/instrumentation/contract';
import { parseConfig } from '../../src/config/load.js';
import type { AggregatedSeries, SeriesSource, SloStatus } from '../../src/collector/model.js';
import { SloEngine, SloStateError } from '../../src/collector/slo/index.js';

/** A hand-driven stand-in for the aggregator: cumulative counters and histograms set by the test. */
class Series implements SeriesSource {
  private readonly map = new Map<string, AggregatedSeries>();
  series(): Iterable<AggregatedSeries> {
    return this.map.values();
  }
  /** Add `n` verifications of one outcome/reason to a job's running total. */
  verify(job: string, n: number, outcome = 'accepted', reason?: string): void {
    const attributes: Record<string, string> = { 'hmac.scheme': 'stripe', 'hmac.key_id': 'k1', 'hmac.outcome': outcome };
    if (reason) attributes['error.type'] = reason;
    const key = `v|${job}|${outcome}|${reason ?? ''}`;
    const prev = this.map.get(key)?.value ?? 0;
    this.map.set(key, {
      job,
      name: 'hmac.auth.verifications',
      promName: 'hmac_auth_verifications_total',
      attributes,
      kind: 'counter',
      value: prev + n,
    });
  }
  /** Overwrite a counter's value (to simulate a reset). */
  setVerified(job: string, value: number): void {
    const key = `v|${job}|accepted|`;
    const s = this.map.get(key)!;
    this.map.set(key, { ...s, value });
  }
  /** Add latency observations, given as a list of [seconds, count]. */
  observe(job: string, name: string, observations: [number, number][]): void {
    const key = `h|${job}|${name}`;
    const prev = this.map.get(key)?.histogram;
    const bounds = [...DURATION_BUCKETS_SECONDS];
    const counts = prev ? [...prev.counts] : new Array<number>(bounds.length + 1).fill(0);
    let sum = prev?.sum ?? 0;
    let count = prev?.count ?? 0;
    for (const [seconds, n] of observations) {
      let i = bounds.findIndex((b) => seconds <= b);
      if (i < 0) i = bounds.length;
      counts[i]! += n;
      sum += seconds * n;
      count += n;
    }
    this.map.set(key, {
      job,
      name,
      promName: 'hmac_auth_verification_duration_seconds',
      attributes: { 'hmac.scheme': 'stripe', 'hmac.outcome': 'accepted' },
      kind: 'histogram',
      value: count,
      histogram: { bounds, counts, sum, count },
    });
  }
}

const T0 = Date.UTC(2026, 0, 1); // aligned to every tier's slot
const S = 1000;
const M = 60 * S;

function find(status: readonly SloStatus[], job: string, slo: string): SloStatus {
  const s = status.find((x) => x.job === job && x.slo === slo);
  assert.ok(s, `no status for ${job}/${slo}`);
  return s;
}
function win(s: SloStatus, window: string) {
  const w = s.windows.find((x) => x.window === window);
  assert.ok(w, `no window ${window}`);
  return w;
}
function assertClose(actual: number | null, expected: number, msg?: string): void {
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-9, `${msg ?? ''} expected ${expected}, got ${actual}`);
}
function assertAllFinite(value: unknown, path = '$'): void {
  if (typeof value === 'number') assert.ok(Number.isFinite(value), `${path} is ${value}`);
  else if (Array.isArray(value)) value.forEach((v, i) => assertAllFinite(v, `${path}[${i}]`));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) assertAllFinite(v, `${path}.${k}`);
}

/**
 * 2 h of clean traffic (10 accepted per 10 s step), then 5 min in which every step has 29 accepted,
 * 1 signature mismatch (rejected) and 1 KMS timeout (error).
 */
function scenario(engine: SloEngine, src = new Series()): { src: Series; end: number } {
  src.verify('api', 0);
  engine.sample(src, T0);
  let t = T0;
  for (let i = 0; i < 720; i++) {
    t += 10 * S;
    src.verify('api', 10);
    engine.sample(src, t);
  }
  for (let i = 0; i < 30; i++) {
    t += 10 * S;
    src.verify('api', 29);
    src.verify('api', 1, 'rejected', 'signature_mismatch');
    src.verify('api', 1, 'error', 'kms_timeout');
    engine.sample(src, t);
  }
  return { src, end: t };
}

test('error ratio, events and burn rate per window match counts worked out by hand', () => {
  const config = parseConfig({});
  const engine = new SloEngine(config);
  const { end } = scenario(engine);
  const status = engine.status(end);
  const success = find(status.slos, 'api', 'auth-success');
  const availability = find(status.slos, 'api', 'auth-availability');

  // Window → (events, bad events for auth-success). Bad steps: 31 events each, 2 bad (rejected + error).
  const expected: Record<string, [number, number]> = {
    '5m': [30 * 31, 60],
    '30m': [150 * 10 + 30 * 31, 60],
    '1h': [330 * 10 + 30 * 31, 60],
    '2h': [690 * 10 + 30 * 31, 60],
    // Up for 2h05m only: longer windows start at the oldest sample.
    '6h': [7200 + 930, 60],
    '1d': [7200 + 930, 60],
    '3d': [7200 + 930, 60],
    '30d': [7200 + 930, 60],
  };
  assert.deepEqual(
    success.windows.map((w) => w.window),
    ['5m', '30m', '1h', '2h', '6h', '1d', '3d', '30d'],
  );
  for (const [window, [events, bad]] of Object.entries(expected)) {
    const w = win(success, window);
    assert.equal(w.events, events, `events over ${window}`);
    assert.equal(w.badEvents, bad, `bad over ${window}`);
    assertClose(w.errorRatio, bad / events, window);
    assertClose(w.burnRate, bad / events / 0.001, `burn ${window}`);
    // auth-availability: only the KMS error is bad.
    const a = win(availability, window);
    assert.equal(a.badEvents, bad / 2);
    assertClose(a.burnRate, bad / 2 / events / 0.0005, `availability burn ${window}`);
  }
  assertClose(success.sli, 1 - 60 / 8130);
  assertClose(success.errorBudgetRemaining, 1 - 60 / (0.001 * 8130));
  assert.ok(success.errorBudgetRemaining! < 0, 'overspent budget stays negative');
  assert.equal(success.period, '30d');
  assert.equal(success.objective, 0.999);
  assert.match(status.generatedAt, /^2026-01-01T02:05:00/);
  // No KMS or latency series were pushed: those SLOs are not listed for the job.
  assert.deepEqual(
    status.slos.map((s) => s.slo),
    ['auth-success', 'auth-availability'],
  );
});

test('objective 0.95: 10 bad of 1000 is a 0.2 burn and leaves 80 % of the budget', () => {
  const config = parseConfig({
    slos: [{ name: 'lenient', sli: { kind: 'ratio', source: 'verifications', badOutcomes: ['rejected'] }, objective: 0.95 }],
  });
  const engine = new SloEngine(config);
  const src = new Series();
  src.verify('web', 0);
  engine.sample(src, T0);
  src.verify('web', 990);
  src.verify('web', 10, 'rejected', 'replay');
  src.verify('web', 7, 'error', 'kms_error'); // not a bad outcome for this SLO, still an event
  engine.sample(src, T0 + M);
  const s = find(engine.status(T0 + M).slos, 'web', 'lenient');
  const w = win(s, '5m');
  assert.equal(w.events, 1007);
  assertClose(w.errorRatio, 10 / 1007);
  assertClose(w.burnRate, 10 / 1007 / 0.05);
  assertClose(s.errorBudgetRemaining, 1 - 10 / (0.05 * 1007));
});

test('badReasons narrows the bad events to the listed failure reasons', () => {
  const config = parseConfig({
    slos: [
      {
        name: 'mismatch',
        sli: { kind: 'ratio', source: 'verifications', badOutcomes: ['rejected'], badReasons: ['signature_mismatch'] },
        objective: 0.99,
      },
    ],
  });
  const engine = new SloEngine(config);
  const src = new Series();
  src.verify('api', 0);
  engine.sample(src, T0);
  src.verify('api', 900);
  src.verify('api', 40, 'rejected', 'signature_mismatch');
  src.verify('api', 60, 'rejected', 'timestamp_skew');
  engine.sample(src, T0 + 10 * S);
  const w = win(find(engine.status(T0 + 10 * S).slos, 'api', 'mismatch'), '5m');
  assert.equal(w.events, 1000);
  assert.equal(w.badEvents, 40);
  assertClose(w.burnRate, 0.04 / 0.01);
});

test('latency SLI counts observations above the threshold bucket as bad, also under the renamed _seconds name', () => {
  const config = parseConfig({});
  for (const name of ['hmac.auth.verification.duration', 'hmac.auth.verification.duration_seconds']) {
    const engine = new SloEngine(config);
    const src = new Series();
    src.observe('api', name, []);
    engine.sample(src, T0);
    // 30 ms is the threshold: 0.03 lands in the le="0.03" bucket and is good; 0.031 is bad.
    src.observe('api', name, [
      [0.004, 900],
      [0.03, 50],
      [0.031, 30],
      [2, 20],
    ]);
    engine.sample(src, T0 + 30 * S);
    const s = find(engine.status(T0 + 30 * S).slos, 'api', 'verification-latency');
    const w = win(s, '5m');
    assert.equal(w.events, 1000, name);
    assert.equal(w.badEvents, 50, name);
    assertClose(w.burnRate, 0.05 / 0.05, name);
    assertClose(s.errorBudgetRemaining, 0, name);
  }
});

test('a counter that goes down is a reset: its new value is new events, nothing is subtracted', () => {
  const engine = new SloEngine(parseConfig({}));
  const src = new Series();
  src.verify('api', 0);
  src.verify('api', 0, 'rejected', 'replay');
  engine.sample(src, T0);
  src.verify('api', 1000);
  src.verify('api', 5, 'rejected', 'replay');
  engine.sample(src, T0 + 10 * S);
  src.setVerified('api', 50); // accepted 1000 → 50
  engine.sample(src, T0 + 20 * S);
  src.verify('api', 45, 'accepted');
  engine.sample(src, T0 + 30 * S);
  const w = win(find(engine.status(T0 + 30 * S).slos, 'api', 'auth-success'), '5m');
  // 1005 before the reset; after it the accepted series' 50 are all new (the rejected one did not
  // move: nothing more, as Prometheus's increase() per series), then +45.
  assert.equal(w.events, 1005 + 50 + 45);
  assert.equal(w.badEvents, 5);
});

test('no traffic is no data: a pair whose series exist but had no events has no error ratio, burn rate, SLI or budget (null, never 100 %, never NaN)', () => {
  const config = parseConfig({});
  const engine = new SloEngine(config);
  const src = new Series();
  src.verify('idle', 0);
  src.observe('idle', 'hmac.auth.verification.duration', []);
  for (let i = 0; i <= 10; i++) engine.sample(src, T0 + i * M);
  const status = engine.status(T0 + 10 * M);
  assert.equal(status.slos.length, 3);
  for (const s of status.slos) {
    assert.equal(s.sli, null);
    assert.equal(s.errorBudgetRemaining, null);
    for (const w of s.windows) {
      assert.equal(w.errorRatio, null);
      assert.equal(w.burnRate, null);
      assert.equal(w.events, 0);
      assert.equal(w.badEvents, 0);
    }
  }
  assert.ok(engine.history('idle', 'auth-success').points.every((p) => p.errorRatio === null));
  assertAllFinite(status);
  assertAllFinite(engine.history('idle', 'auth-success'));
  // An engine that never sampled answers too.
  const empty = new SloEngine(config);
  assert.deepEqual(empty.status(T0).slos, []);
  assertAllFinite(empty.status(T0));
});

test('no traffic is no data per window: a job gone quiet has no 5m ratio while the windows that saw its events keep theirs', () => {
  const src = new Series();
  const engine = new SloEngine(parseConfig({}));
  for (const [t, accepted, rejected] of [[T0, 0, 0], [T0 + M, 90, 10]] as const) {
    src.verify('api', accepted);
    src.verify('api', rejected, 'rejected', 'replay');
    engine.sample(src, t);
  }
  // Then 20 minutes without a single event: the series are still there, flat.
  for (let i = 2; i <= 21; i++) engine.sample(src, T0 + i * M);
  const s = find(engine.status(T0 + 21 * M).slos, 'api', 'auth-success');
  assert.equal(win(s, '5m').errorRatio, null);
  assert.equal(win(s, '5m').burnRate, null);
  assert.equal(win(s, '5m').events, 0);
  assertClose(win(s, '30m').errorRatio, 0.1);
  assertClose(win(s, '30m').burnRate, 0.1 / 0.001);
  assertClose(s.sli, 0.9);
  assertClose(s.errorBudgetRemaining, 1 - 0.1 / 0.001);
  const points = engine.history('api', 'auth-success').points;
  assertClose(points[1]!.errorRatio, 0.1);
  assert.equal(points[points.length - 1]!.errorRatio, null);
});

test('timeScale divides the windows but keeps the unscaled window names', () => {
  const config = parseConfig({ timeScale: 60 }); // 5m → 5 s, 30m → 30 s, 1h → 60 s
  const engine = new SloEngine(config);
  const src = new Series();
  src.verify('api', 0);
  engine.sample(src, T0);
  // 120 one-second steps: 8 accepted each, plus 2 rejected in each of the last 5 steps.
  for (let i = 1; i <= 120; i++) {
    src.verify('api', 8);
    if (i > 115) src.verify('api', 2, 'rejected', 'unknown_key');
    engine.sample(src, T0 + i * S);
  }
  const s = find(engine.status(T0 + 120 * S).slos, 'api', 'auth-success');
  const w5 = win(s, '5m');
  assert.equal(w5.events, 5 * 10);
  assert.equal(w5.badEvents, 10);
  const w30 = win(s, '30m');
  assert.equal(w30.events, 30 * 8 + 10);
  const w1h = win(s, '1h');
  assert.equal(w1h.events, 60 * 8 + 10);
  const w2h = win(s, '2h'); // 120 s: exactly since the first sample
  assert.equal(w2h.events, 120 * 8 + 10);
  const labels = s.windows.map((x) => x.window);
  assert.deepEqual(labels, ['5m', '30m', '1h', '2h', '6h', '1d', '3d', '30d']);
});

test('toJSON / fromJSON round trip preserves status and history, and sampling carries on', () => {
  const config = parseConfig({});
  const engine = new SloEngine(config);
  const { src, end } = scenario(engine);
  const json = JSON.parse(JSON.stringify(engine));
  const restored = SloEngine.fromJSON(config, json);
  assert.deepEqual(restored.status(end), engine.status(end));
  assert.deepEqual(restored.history('api', 'auth-success'), engine.history('api', 'auth-success'));
  // Traffic during and after the restart is attributed, not lost nor double counted.
  src.verify('api', 100);
  src.verify('api', 1, 'rejected', 'replay');
  restored.sample(src, end + 10 * S);
  engine.sample(src, end + 10 * S);
  assert.deepEqual(restored.status(end + 10 * S), engine.status(end + 10 * S));
  assert.equal(win(find(restored.status(end + 10 * S).slos, 'api', 'auth-success'), '30d').events, 8130 + 101);
});

test('fromJSON refuses damaged state and drops SLOs whose definition changed', () => {
  const config = parseConfig({});
  const engine = new SloEngine(config);
  scenario(engine);
  assert.throws(() => SloEngine.fromJSON(config, { version: 2, pairs: [] }), SloStateError);
  assert.throws(() => SloEngine.fromJSON(config, null), SloStateError);
  const json = JSON.parse(JSON.stringify(engine));
  json.pairs[0].cum = [1, Number.NaN];
  assert.throws(() => SloEngine.fromJSON(config, JSON.parse(JSON.stringify(json))), /cum/);

  const changed = parseConfig({
    slos: [
      { name: 'auth-success', sli: { kind: 'ratio', source: 'verifications', badOutcomes: ['error'] }, objective: 0.999 },
      { name: 'auth-availability', sli: { kind: 'ratio', source: 'verifications', badOutcomes: ['error'] }, objective: 0.99 },
    ],
  });
  const restored = SloEngine.fromJSON(changed, JSON.parse(JSON.stringify(engine)));
  // auth-success's SLI changed: dropped. auth-availability only changed its objective: kept.
  assert.equal(restored.has('api', 'auth-success'), false);
  assert.equal(restored.has('api', 'auth-availability'), true);
});

test('30 days of samples every 15 s keep a bounded history, and the 30d window still spans ~30 days', () => {
  const engine = new SloEngine(parseConfig({}));
  const src = new Series();
  src.verify('api', 0);
  engine.sample(src, T0);
  const step = 15 * S;
  const steps = (30 * 86400 * S) / step;
  for (let i = 1; i <= steps + 4 * 60 * 8; i++) {
    // 30 days and 8 hours: the period window must have dropped its first 8 hours.
    src.verify('api', 1);
    engine.sample(src, T0 + i * step);
  }
  const end = T0 + (steps + 4 * 60 * 8) * step;
  const st = engine.stats();
  assert.equal(st.pairs, 2);
  assert.ok(st.historyPoints / st.pairs < 2300, `points per pair: ${st.historyPoints / st.pairs}`);
  const w = win(find(engine.status(end).slos, 'api', 'auth-success'), '30d');
  // One event per step; the window start lands on an hourly point at or before end − 30d.
  assert.ok(w.events >= steps && w.events <= steps + 240, `30d events ${w.events}`);
  const w1d = win(find(engine.status(end).slos, 'api', 'auth-success'), '1d');
  assert.ok(w1d.events >= 5760 && w1d.events <= 5760 + 60, `1d events ${w1d.events}`);
});

test('the number of tracked (job, SLO) pairs is capped and the overflow is reported', () => {
  const engine = new SloEngine(parseConfig({}), { maxPairs: 3 });
  const src = new Series();
  for (const job of ['a', 'b', 'c']) src.verify(job, 1);
  engine.sample(src, T0);
  assert.deepEqual(engine.stats().pairs, 3);
  assert.deepEqual(engine.stats().untrackedPairs, 3);
});

test('a job that appears between samples is credited with its events since the previous sample', () => {
  const engine = new SloEngine(parseConfig({}));
  const src = new Series();
  src.verify('old', 1);
  engine.sample(src, T0);
  src.verify('new', 200);
  src.verify('new', 2, 'rejected', 'replay');
  engine.sample(src, T0 + 10 * S);
  const w = win(find(engine.status(T0 + 10 * S).slos, 'new', 'auth-success'), '5m');
  assert.equal(w.events, 202);
  assert.equal(w.badEvents, 2);
  // …whereas on the very first sample the counts already there are the baseline (when they happened is unknown).
  assert.equal(win(find(engine.status(T0 + 10 * S).slos, 'old', 'auth-success'), '5m').events, 0);
});

// The engine's figures leave the collector through /api/slo only: the recording rules are the one
// producer of the SLO series (issue 10), so there are no Prometheus families to check here.
test('status: objective per SLO, values as computed, labels of a pair', () => {
  const config = parseConfig({});
  const engine = new SloEngine(config);
  const { end } = scenario(engine);
  const slos = engine.status(end).slos;
  const objectives: Record<string, number> = { 'auth-success': 0.999, 'auth-availability': 0.9995, 'verification-latency': 0.95, 'kms-success': 0.9999 };
  assert.ok(slos.length > 0);
  for (const x of slos) assert.equal(x.objective, objectives[x.slo], x.slo);
  assertClose(win(find(slos, 'api', 'auth-success'), '1h').burnRate, 60 / 4230 / 0.001);
  assertClose(find(slos, 'api', 'auth-availability').errorBudgetRemaining, 1 - 30 / (0.0005 * 8130));
});

test('burnAlerts: factors derived from budget consumed and the period (14.4/6/3/1 for 30d)', () => {
  const engine = new SloEngine(parseConfig({}));
  const factors = engine.status(T0).burnAlerts.map((a) => [a.severity, a.long, a.short, Math.round(a.factor * 1000) / 1000]);
  assert.deepEqual(factors, [
    ['critical', '1h', '5m', 14.4],
    ['critical', '6h', '30m', 6],
    ['warning', '1d', '2h', 3],
    ['warning', '3d', '6h', 1],
  ]);
  const e28 = new SloEngine(parseConfig({ period: '28d' }));
  assertClose(e28.burnAlerts()[0]!.factor, (0.02 * 28 * 24) / 1);
});

test('history: one point per minute of the 5m error ratio, bounded, oldest first', () => {
  const engine = new SloEngine(parseConfig({}), { historyPoints: 60 });
  const { end } = scenario(engine);
  const h = engine.history('api', 'auth-success');
  assert.equal(h.points.length, 60);
  const ts = h.points.map((p) => p.t);
  assert.deepEqual(ts, [...ts].sort((a, b) => a - b));
  assert.equal(ts[ts.length - 1], end); // 2h05m after T0: a minute boundary
  assert.equal(ts[1]! - ts[0]!, M);
  // The last point is taken at 2h05m: the 5m window then held the whole bad burst.
  assertClose(h.points[h.points.length - 1]!.errorRatio, 60 / 930);
  assert.equal(h.points[0]!.errorRatio, 0);
  assert.deepEqual(engine.history('nope', 'auth-success').points, []);
});

test('history length is collector.slo.historyPoints (6 hours of minutes by default)', () => {
  assert.equal(parseConfig({}).collector.slo.historyPoints, 360);
  const engine = new SloEngine(parseConfig({ collector: { slo: { historyPoints: 7 } } }));
  scenario(engine);
  assert.equal(engine.history('api', 'auth-success').points.length, 7);
});

test('windows used by custom burn-rate alerts are evaluated too, like the recording rules do', () => {
  const config = parseConfig({
    period: '28d',
    alerting: { burnRate: [{ severity: 'critical', long: '90m', short: '10m', budgetConsumed: 0.02 }] },
  });
  const engine = new SloEngine(config);
  const src = new Series();
  src.verify('api', 0);
  engine.sample(src, T0);
  src.verify('api', 100);
  engine.sample(src, T0 + M);
  const s = find(engine.status(T0 + M).slos, 'api', 'auth-success');
  assert.deepEqual(
    s.windows.map((w) => w.window),
    ['5m', '10m', '30m', '1h', '90m', '2h', '6h', '1d', '3d', '28d'],
  );
  assert.equal(s.period, '28d');
  assert.equal(win(s, '28d').events, 100);
});

test('fair pair cap: a job with events replaces pairs idle for pairEvictAfter, idle pairs expire after pairTtl, dropped ones never bring old events back', () => {
  const config = parseConfig({ collector: { slo: { maxPairs: 4, pairEvictAfter: '5m', pairTtl: '1h' } } });
  let engine = new SloEngine(config);
  const src = new Series();
  const events = (job: string, t: number) => {
    const s = engine.status(t).slos.find((x) => x.job === job && x.slo === 'auth-success');
    return s && [win(s, '1h').events, win(s, '1h').badEvents];
  };
  // Two ratio SLOs read verifications: two pairs per job, so two flood jobs fill the cap.
  src.verify('flood-1', 1);
  src.verify('flood-2', 1);
  engine.sample(src, T0);
  assert.equal(engine.stats().pairs, 4);
  // A real job arrives while the flood is recent: refused, counted, its events not in any SLO.
  src.verify('real', 10);
  engine.sample(src, T0 + M);
  assert.equal(events('real', T0 + M), undefined);
  assert.deepEqual([engine.stats().refusedPairs, engine.stats().untrackedPairs], [2, 2]);
  // Once the flood has been idle for pairEvictAfter, the real job's next events take its places.
  src.verify('real', 5);
  src.verify('real', 1, 'rejected', 'replay');
  engine.sample(src, T0 + 10 * M);
  assert.deepEqual(events('real', T0 + 10 * M), [6, 1], 'only the events since it was refused');
  assert.equal(engine.stats().evictedPairs, 2);
  assert.equal(events('flood-1', T0 + 10 * M), undefined, 'the idle flood job longest idle (then by name) made room');
  // The real job keeps pushing; flood-2 stays idle and expires after pairTtl.
  for (let t = T0 + 20 * M; t <= T0 + 70 * M; t += 10 * M) {
    src.verify('real', 1);
    engine.sample(src, t);
  }
  assert.equal(events('flood-2', T0 + 70 * M), undefined);
  assert.deepEqual([engine.stats().expiredPairs, engine.stats().pairs, engine.stats().untrackedPairs], [2, 2, 4]);
  // Room now, but the idle flood jobs do not come back; with new events they do, with those only.
  engine.sample(src, T0 + 71 * M);
  assert.equal(engine.stats().pairs, 2);
  // Across a restart: no dead pairs saved; untracked pairs keep their baselines.
  const json = JSON.parse(JSON.stringify(engine.toJSON()));
  assert.deepEqual(json.pairs.map((p: { job: string }) => p.job), ['real', 'real']);
  engine = SloEngine.fromJSON(config, json);
  src.verify('flood-1', 3);
  engine.sample(src, T0 + 72 * M);
  assert.deepEqual(events('flood-1', T0 + 72 * M), [3, 0]);
  assert.equal(events('flood-2', T0 + 72 * M), undefined);
});

test('engine state saved before pairs expired (no activeT, no dormant) loads; its pairs count as active at the last sample', () => {
  const config = parseConfig({ collector: { slo: { pairTtl: '1h' } } });
  const engine = new SloEngine(config);
  const src = new Series();
  src.verify('api', 5);
  engine.sample(src, T0);
  const json = JSON.parse(JSON.stringify(engine.toJSON()));
  delete json.dormant;
  for (const p of json.pairs) delete p.activeT;
  const restored = SloEngine.fromJSON(config, json);
  restored.sample(src, T0 + 59 * M);
  assert.equal(restored.stats().pairs, 2);
  restored.sample(src, T0 + 60 * M);
  assert.equal(restored.stats().pairs, 0, 'idle for pairTtl since the last saved sample');
});
