/**
 * The aggregator's bounds (issue 9, findings 5 and 7): per-pusher readings are capped in total, a
 * flood of series or job names cannot take every job's room, idle jobs expire, and the expiry
 * clock survives a snapshot. Readings are counted from the persisted state (what a snapshot holds),
 * not from RSS.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Aggregator, type AggregatorLimits, type AggregatorState } from '../../src/collector/aggregate/aggregator.js';
import { aggregatorLimits } from '../../src/collector/core.js';
import type { ResourceMetrics } from '../../src/collector/otlp/types.js';
import { parseConfig } from '../../src/config/load.js';
import { testLimits } from './aggregator-test-limits.js';
import { ExpiredTotals, MAX_EXPIRED_TOTALS } from '../../src/collector/aggregate/expired-totals.js';

/** One resource (pusher `instance` of `job`) with one cumulative counter point per key ID. */
function push(job: string, instance: string, keys: number, value = 1, firstKey = 0): ResourceMetrics {
  return {
    resource: { 'service.name': job, 'service.instance.id': instance },
    metrics: [
      {
        name: 'hmac.auth.verifications',
        unit: '',
        description: '',
        data: {
          type: 'sum',
          temporality: 2,
          monotonic: true,
          points: Array.from({ length: keys }, (_, k) => ({ attributes: { 'hmac.key_id': `key-${firstKey + k}` }, start: '100', value })),
        },
      },
    ],
  };
}

/** Readings a snapshot of `a` holds (every pusher's last cumulative readings). */
const readingsHeld = (a: Aggregator) => a.toJSON().pushers.reduce((n, p) => n + p[2].length, 0);
const seriesOf = (a: Aggregator, job: string) => [...a.series()].filter((s) => s.job === job).length;

test('readings are capped in total: a client pushing ever more pushers and streams is refused beyond maxReadings', () => {
  const a = new Aggregator(testLimits({ maxSeries: 100_000, maxSeriesPerJob: 100_000, pusherTtlMs: 60_000, maxReadings: 1_000 }));
  // One client: 40 requests of 5 resources × 50 streams = 10,000 distinct readings offered.
  let refused = 0;
  for (let r = 0; r < 40; r++) {
    const res = a.ingest(Array.from({ length: 5 }, (_, i) => push('big', `i-${r}-${i}`, 50)), 0);
    refused += res.rejected.get('reading_limit') ?? 0;
  }
  assert.equal(readingsHeld(a), 1_000);
  assert.equal(refused, 9_000);
  assert.equal(a.overflowByCap.get('max_readings'), 9_000);
  // Known streams keep counting; forgetting idle pushers makes room again.
  assert.equal(a.ingest([push('big', 'i-0-0', 50, 5)], 0).accepted, 50);
  a.forget(a.expiredPushers(120_000), 120_000);
  assert.equal(readingsHeld(a), 0);
  assert.equal(a.ingest([push('late', 'l-1', 10)], 120_000).accepted, 10);
});

test('the default limits are fair: 1,000 job names then five pushes of 10,000 series leave a real job its series', () => {
  const config = parseConfig({});
  const l = config.collector.limits;
  assert.deepEqual([l.maxSeries, l.maxSeriesPerJob, l.maxJobs, l.reservedSeriesPerJob], [50_000, 10_000, 2_000, 10]);
  const a = new Aggregator({ ...l, pusherTtlMs: 60_000 });
  // The flood: one push with 1,000 job names, then five pushes of 10,000 series each.
  a.ingest(Array.from({ length: 1_000 }, (_, j) => push(`flood-${j}`, 'x', 1)), 0);
  for (let j = 0; j < 5; j++) a.ingest([push(`flood-${j}`, 'x', 10_000, 1, 1)], 0);
  assert.ok(a.seriesCount <= l.maxSeries, `${a.seriesCount} series held`);
  assert.ok((a.overflowByCap.get('max_series') ?? 0) > 0, 'the flood hit the shared part of maxSeries');
  // A real job arriving afterwards gets its reserved series, counted in full.
  const real = a.ingest([push('payments-api', 'pod-1', 10, 7)], 0);
  assert.equal(real.accepted, 10);
  assert.equal(seriesOf(a, 'payments-api'), 10);
  assert.equal([...a.series()].filter((s) => s.job === 'payments-api').reduce((n, s) => n + s.value, 0), 70);
});

test('a flood of job names is capped by maxJobs, and the slots come back when the flood jobs expire', () => {
  const limits = testLimits({ maxSeries: 100, maxSeriesPerJob: 50, pusherTtlMs: 60_000, maxJobs: 10, reservedSeriesPerJob: 5, seriesTtlMs: 1_000 });
  const a = new Aggregator(limits);
  const flood = a.ingest(Array.from({ length: 30 }, (_, j) => push(`flood-${j}`, 'x', 1)), 0);
  assert.equal(flood.accepted, 10);
  assert.equal(flood.rejected.get('job_limit'), 20);
  assert.equal(a.overflowByCap.get('max_jobs'), 20);
  // The flood jobs get their reserve and share the rest: 10 × 5 reserved + 50 shared at most.
  for (let j = 0; j < 10; j++) a.ingest([push(`flood-${j}`, 'x', 50, 1, 1)], 0);
  assert.equal(a.seriesCount, 100);
  assert.equal(a.ingest([push('real', 'r', 3)], 500).rejected.get('job_limit'), 3);
  // The real job keeps pushing; the flood stops. After the TTL the flood jobs are dropped whole.
  assert.deepEqual(a.expiredJobs(900), []);
  const expired = a.expiredJobs(1_200);
  assert.equal(expired.length, 10);
  assert.equal(a.dropJobs(expired), 100);
  assert.equal(a.seriesCount, 0);
  assert.equal(a.ingest([push('real', 'r', 3)], 1_200).accepted, 3);
  assert.equal(seriesOf(a, 'real'), 3);
});

test('a job with a live pusher stays; a dropped series comes back from its total and adds only increases', () => {
  const a = new Aggregator(testLimits({ maxSeries: 100, maxSeriesPerJob: 100, pusherTtlMs: 60_000, seriesTtlMs: 1_000 }));
  a.ingest([push('api', 'p1', 1, 10)], 0);
  a.ingest([push('idle', 'p2', 1, 4)], 0);
  a.ingest([push('api', 'p1', 1, 12)], 900);
  a.dropJobs(a.expiredJobs(1_500));
  assert.deepEqual([...a.series()].map((s) => [s.job, s.value]), [['api', 12]]);
  // The idle job's pusher comes back: its reading is still known, so only the increase (+2) is
  // added, to the total the series had when it expired (4): one counter that never went down.
  a.ingest([push('idle', 'p2', 1, 6)], 1_600);
  assert.deepEqual([...a.series()].map((s) => [s.job, s.value]).sort(), [['api', 12], ['idle', 6]]);
});

test('the expiry clock is in the snapshot: a restored job expires on its original schedule; older snapshots load', () => {
  const limits = testLimits({ maxSeries: 100, maxSeriesPerJob: 100, pusherTtlMs: 60_000, seriesTtlMs: 1_000 });
  const a = new Aggregator(limits);
  a.ingest([push('old', 'p1', 2)], 0);
  a.ingest([push('new', 'p2', 2)], 800);
  const state = JSON.parse(JSON.stringify(a.toJSON())) as AggregatorState;
  const b = Aggregator.fromJSON(limits, state);
  assert.deepEqual(b.expiredJobs(1_100), ['old']);
  // A snapshot written before expiry existed (no jobsSeenMs, no overflowByCap) still loads; its
  // jobs' clocks start at the first check.
  const { jobsSeenMs: _j, overflowByCap: _o, ...older } = { ...state, overflow: 3 };
  const c = Aggregator.fromJSON(limits, older);
  assert.equal(c.seriesCount, 4);
  assert.equal(c.overflowByCap.get('max_series'), 3);
  assert.deepEqual(c.expiredJobs(1_100), []);
  assert.deepEqual(c.expiredJobs(2_200).sort(), ['new', 'old']);
});

test('a job that got a point between choosing and dropping it is kept (a push applied while the expiry was logged)', () => {
  const a = new Aggregator(testLimits({ maxSeries: 100, maxSeriesPerJob: 100, pusherTtlMs: 60_000, seriesTtlMs: 1_000 }));
  a.ingest([push('api', 'p1', 1, 10)], 0);
  const chosen = a.expiredJobs(1_500);
  assert.deepEqual(chosen, ['api']);
  a.ingest([push('api', 'p1', 1, 11)], 1_490);
  assert.equal(a.dropJobs(chosen, 1_500), 0);
  assert.deepEqual([...a.series()].map((s) => s.value), [11]);
});

/** The collector's default aggregator limits (from the schema), with `own` on top. */
const defaultLimits = (own: Partial<AggregatorLimits> = {}): AggregatorLimits => ({ ...aggregatorLimits(parseConfig({})), pusherTtlMs: 60_000, ...own });

test('pushers are shared fairly: one job flooding 100 requests × 1,000 new pushers, or ten jobs doing so, leave a later job its pushers', () => {
  const a = new Aggregator(defaultLimits());
  let refused = 0;
  for (let q = 0; q < 100; q++) {
    refused += a.ingest(Array.from({ length: 1_000 }, (_, i) => push('evil', `e${q}-${i}`, 1)), 0).rejected.get('pusher_limit') ?? 0;
  }
  // maxPushersPerJob (10,000 by default) stops the one job; the rest stays for the others.
  assert.equal(a.activePushers, 10_000);
  assert.equal(refused, 90_000);
  assert.equal(a.overflowByCap.get('max_pushers_per_job'), 90_000);
  assert.equal(a.ingest([push('payments', 'pay-1', 1, 10)], 0).accepted, 1);
  // Ten more jobs take the whole shared part: a later job still gets its reserved pushers (10).
  for (let j = 0; j < 10; j++) {
    for (let q = 0; q < 10; q++) a.ingest(Array.from({ length: 1_000 }, (_, i) => push(`evil-${j}`, `e${q}-${i}`, 1)), 0);
  }
  assert.ok((a.overflowByCap.get('max_pushers') ?? 0) > 0);
  const late = a.ingest(Array.from({ length: 12 }, (_, i) => push('late', `l-${i}`, 1)), 0);
  assert.equal(late.accepted, 10);
  assert.equal(late.rejected.get('pusher_limit'), 2);
});

test('readings are shared fairly: one job cannot take them all, a later job gets its reserve, and a refused point leaves no empty series', () => {
  const limits = testLimits({ maxSeries: 10_000, maxSeriesPerJob: 10_000, pusherTtlMs: 60_000, maxJobs: 10, maxReadings: 2_000, maxReadingsPerJob: 1_000, reservedReadingsPerJob: 10 });
  const a = new Aggregator(limits);
  // The attack: 20 pushers × 100 cumulative streams of job "evil" = 2,000 readings (maxReadings).
  for (let p = 0; p < 20; p++) a.ingest([push('evil', `e${p}`, 100, 1, p * 100)], 0);
  assert.equal(readingsHeld(a), 1_000);
  assert.equal(a.overflowByCap.get('max_readings_per_job'), 1_000);
  // A second flooding job takes the rest of the shared part.
  for (let p = 0; p < 20; p++) a.ingest([push('evil-2', `e${p}`, 100, 1, p * 100)], 0);
  assert.equal(readingsHeld(a), 1_920);
  // The real job gets its reserve (10 readings); beyond it its points are refused by reason,
  // before any series is made: no empty series that would look healthy.
  const real = a.ingest([push('payments', 'pay-1', 12, 10)], 0);
  assert.equal(real.accepted, 10);
  assert.equal(real.rejected.get('reading_limit'), 2);
  assert.equal(seriesOf(a, 'payments'), 10);
  assert.equal(a.overflowByCap.get('max_readings'), 1_080 + 2);
  // The quota is rebuilt from a snapshot: still full for everyone but the jobs' reserves.
  const b = Aggregator.fromJSON(limits, JSON.parse(JSON.stringify(a.toJSON())));
  assert.equal(b.ingest([push('payments', 'pay-1', 1, 1, 50)], 0).rejected.get('reading_limit'), 1);
  assert.equal(seriesOf(b, 'payments'), 10);
  assert.equal(b.ingest([push('other', 'o-1', 10)], 0).accepted, 10);
});

test('a point refused by the readings cap makes no series (an empty one would show the job healthy, with 0 events)', () => {
  const a = new Aggregator(testLimits({ maxSeries: 100, maxSeriesPerJob: 100, pusherTtlMs: 60_000, maxReadings: 1 }));
  a.ingest([push('evil', 'e1', 1)], 0);
  assert.equal(a.ingest([push('payments', 'pay-1', 1, 10)], 0).rejected.get('reading_limit'), 1);
  assert.equal(seriesOf(a, 'payments'), 0);
  assert.equal(a.seriesCount, 1);
});

test('expired totals: histograms resume with the same buckets only, the oldest are dropped past the bound, and a snapshot keeps them', () => {
  const limits = testLimits({ maxSeries: 100, maxSeriesPerJob: 100, pusherTtlMs: 60_000, seriesTtlMs: 1_000 });
  const a = new Aggregator(limits);
  const hist = (job: string, bounds: number[], counts: number[]): ResourceMetrics => ({
    resource: { 'service.name': job },
    metrics: [{ name: 'hmac.auth.verification.duration', unit: 's', description: '', data: { type: 'histogram', temporality: 1, points: [{ attributes: {}, start: '1', bounds, counts, count: counts.reduce((x, y) => x + y, 0), sum: 1 }] } }],
  });
  a.ingest([hist('h', [0.1, 1], [1, 2, 3]), hist('g', [0.1, 1], [1, 1, 1]), push('c', 'p', 1, 7)], 0);
  a.dropJobs(a.expiredJobs(2_000));
  assert.equal(a.seriesCount, 0);
  // Through a snapshot, as a restart would.
  const b = Aggregator.fromJSON(limits, JSON.parse(JSON.stringify(a.toJSON())));
  b.ingest([hist('h', [0.1, 1], [1, 0, 0]), hist('g', [0.5], [1, 1]), push('c', 'p', 1, 9)], 2_100);
  const byJob = new Map([...b.rawSeries()].map((s) => [s.job, s]));
  assert.deepEqual(byJob.get('h')!.histogram!.counts, [2, 2, 3]);
  assert.equal(byJob.get('h')!.value, 7);
  // Other buckets: no total to resume (the old buckets cannot be mapped onto new ones).
  assert.deepEqual(byJob.get('g')!.histogram!.counts, [1, 1]);
  assert.equal(byJob.get('c')!.value, 9);
});

test('expired totals are bounded: the oldest go first, and such a series starts again from 0', () => {
  const e = new ExpiredTotals(2);
  e.remember('a', { promName: 'x_total', kind: 'counter', value: 1 });
  e.remember('b', { promName: 'x_total', kind: 'counter', value: 2 });
  e.remember('g', { promName: 'y', kind: 'gauge', value: 5 });
  e.remember('c', { promName: 'x_total', kind: 'counter', value: 3 });
  assert.equal(e.size, 2);
  assert.equal(e.take('a', 'x_total', 'counter', undefined), undefined);
  assert.equal(e.take('b', 'x_total', 'histogram', undefined), undefined);
  assert.equal(e.take('b', 'x_total', 'counter', undefined), undefined, 'used once (or dropped when another instrument came)');
  assert.equal(e.take('c', 'x_total', 'counter', undefined)?.value, 3);
  assert.equal(MAX_EXPIRED_TOTALS, 100_000);
});
