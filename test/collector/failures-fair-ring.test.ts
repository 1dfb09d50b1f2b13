/**
 * The failure log shares its ring fairly between jobs (src/collector/failures/fair-ring.ts): a full
 * ring evicts the oldest failure of the job holding the most, so a noisy or hostile job's flood
 * evicts its own failures, never a quiet job's few; busy jobs split the ring; a job alone fills it.
 * How far back each job's failures are complete (`heldFrom`, the SLO detail view's) is per job, and
 * survives a snapshot — an old single-ring snapshot loads with its one value for every job.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FailedSpan } from '../../src/collector/model.js';
import { FailureLog } from '../../src/collector/failures/index.js';
import { FairRing } from '../../src/collector/failures/fair-ring.js';
import { detailFailures } from '../../src/collector/slo/detail-failures.js';
import { parseConfig } from '../../src/config/load.js';

const T = Date.UTC(2026, 0, 1);
const viaText = <V>(v: V): unknown => JSON.parse(JSON.stringify(v));

function failed(job: string, i: number, over: Partial<FailedSpan> = {}): FailedSpan {
  return {
    timeUnixMs: T + i,
    job,
    name: 'hmac.verify',
    keyId: 'k1',
    reason: 'signature_mismatch',
    outcome: 'rejected',
    traceId: i.toString(16).padStart(32, '0'),
    spanId: i.toString(16).padStart(16, '0'),
    ...over,
  };
}

const held = (log: FailureLog, job: string) => log.query({ job, limit: 100_000 }).failures;

test('a flood of 10,000 failures of one job after a quiet job\'s 5 keeps the quiet job\'s 5, complete (heldFrom null)', () => {
  const log = new FailureLog({ ringSize: 500 });
  for (let i = 0; i < 5; i++) log.record(failed('billing', i, { reason: 'replay', keyId: 'k-billing' }));
  for (let i = 0; i < 10_000; i++) log.record(failed('mallory', 1000 + i));

  assert.deepEqual(held(log, 'billing').map((f) => f.timeUnixMs - T), [4, 3, 2, 1, 0]);
  assert.equal(held(log, 'mallory').length, 495, 'the flood keeps the rest of the ring, its newest');
  assert.equal(held(log, 'mallory')[494]!.timeUnixMs, T + 1000 + 10_000 - 495);
  assert.equal(log.stats().held, 500);
  assert.equal(log.inRange({ job: 'billing', since: T }).heldFrom, null, 'none of billing\'s failures were dropped');
  assert.equal(log.inRange({ job: 'mallory', since: T }).heldFrom, T + 1000 + 10_000 - 495, 'the flooding job lost its older ones');
  assert.deepEqual(log.query({ job: 'billing' }).causes, [], 'the per-job summary still reads the quiet job');

  // The SLO detail view reads the job's own value: billing's failures by reason are whole.
  const sli = parseConfig({}).slos.find((s) => s.name === 'auth-success')!.sli;
  const detail = detailFailures(sli, log, 'billing', T - 60_000, T + 20_000);
  assert.deepEqual([detail.heldFrom, detail.byReason, detail.byKey], [null, [{ reason: 'replay', count: 5 }], [{ keyId: 'k-billing', count: 5 }]]);
  assert.equal(detailFailures(sli, log, 'mallory', T, T + 20_000).heldFrom, T + 1000 + 10_000 - 495);
});

test('two flooding jobs split the ring about evenly; a quiet third keeps its few', () => {
  const log = new FailureLog({ ringSize: 500 });
  for (let i = 0; i < 3; i++) log.record(failed('quiet', i));
  // Unequal floods, interleaved in bursts: 3 of a to every 1 of b.
  for (let i = 0; i < 20_000; i++) log.record(failed(i % 4 === 3 ? 'b' : 'a', 100 + i));
  const a = held(log, 'a').length;
  const b = held(log, 'b').length;
  assert.equal(a + b + 3, 500);
  assert.ok(Math.abs(a - b) <= 1, `a ${a}, b ${b}`);
  assert.equal(held(log, 'quiet').length, 3);
  // Newest first across jobs, as before: the last failure recorded leads the list.
  assert.equal(log.query({ limit: 1 }).failures[0]!.timeUnixMs, T + 100 + 19_999);
});

test('one job alone fills the whole ring, and a newcomer takes its share from the largest job only', () => {
  const log = new FailureLog({ ringSize: 100 });
  for (let i = 0; i < 1000; i++) log.record(failed('api', i));
  assert.equal(held(log, 'api').length, 100);
  assert.deepEqual(log.query({ limit: 100 }).failures.map((f) => f.timeUnixMs - T), Array.from({ length: 100 }, (_, k) => 999 - k), 'its newest 100, newest first');
  for (let i = 0; i < 30; i++) log.record(failed('webhooks', 2000 + i));
  assert.deepEqual([held(log, 'api').length, held(log, 'webhooks').length], [70, 30]);
  assert.equal(held(log, 'api').at(-1)!.timeUnixMs, T + 930, 'api lost its oldest');
});

test('jobs that come and go are forgotten with their last failure: bookkeeping stays within the ring', () => {
  const ring = new FairRing<number>(50, (t) => t);
  // A pusher rotating job names (service.name is the pusher's to choose).
  for (let i = 0; i < 100_000; i++) ring.push(`job-${i}`, i);
  assert.deepEqual(ring.shape(), { jobs: 50, largest: 1 });
  assert.equal(ring.held, 50);
  // A forgotten job's loss is not forgotten: any job not held may be one of them.
  assert.equal(ring.droppedUntil('job-0'), 100_000 - 51);
  assert.equal(ring.droppedUntil('job-99999'), 100_000 - 52, 'a held job that came after forgotten ones may be one of them');
  const fresh = new FairRing<number>(50, (t) => t);
  for (let i = 0; i < 49; i++) fresh.push(`job-${i}`, i);
  assert.equal(fresh.droppedUntil('job-0'), Number.NEGATIVE_INFINITY);
  assert.equal(fresh.droppedUntil('never-seen'), Number.NEGATIVE_INFINITY);
});

test('snapshot: the fair ring and per-job heldFrom round-trip; a smaller ring on restart keeps the fairness', () => {
  const log = new FailureLog({ ringSize: 100 });
  for (let i = 0; i < 2; i++) log.record(failed('quiet', i));
  for (let i = 0; i < 1000; i++) log.record(failed('flood', 100 + i));
  const restored = FailureLog.fromJSON({ ringSize: 100 }, viaText(log.toJSON()));
  assert.deepEqual(restored.query({ limit: 100 }), log.query({ limit: 100 }));
  for (const job of ['quiet', 'flood', undefined]) assert.deepEqual(restored.inRange({ job }), log.inRange({ job }), String(job));
  assert.equal(restored.inRange({ job: 'quiet' }).heldFrom, null);
  // Both carry on alike.
  for (const l of [log, restored]) for (let i = 0; i < 50; i++) l.record(failed(i % 2 ? 'flood' : 'other', 5000 + i));
  assert.deepEqual(restored.query({ limit: 100 }), log.query({ limit: 100 }));

  const small = FailureLog.fromJSON({ ringSize: 10 }, viaText(log.toJSON()));
  assert.deepEqual([held(small, 'quiet').length, held(small, 'flood').length, held(small, 'other').length], [2, 4, 4]);
  assert.equal(small.inRange({ job: 'quiet' }).heldFrom, null, 'the quiet job lost nothing to the smaller ring');
  assert.ok(small.inRange({ job: 'other' }).heldFrom !== null, 'the ones that did say so');
});

test('snapshot: an old single-ring snapshot loads with its one droppedUntil for every job (conservative)', () => {
  // The on-disk form written before the ring was fair: one shared droppedUntil, no per-job list.
  const old = {
    version: 1,
    recent: [failed('quiet', 10), failed('flood', 20), failed('flood', 30)],
    recorded: 50,
    droppedUntil: T + 5,
    untrackedJobs: 0,
    topClients: [],
  };
  const log = FailureLog.fromJSON({ ringSize: 3 }, viaText(old));
  assert.deepEqual(log.query().failures.map((f) => `${f.job}@${f.timeUnixMs - T}`), ['flood@30', 'flood@20', 'quiet@10']);
  // Any job may have lost failures until T+5: each counts from its oldest held failure after it.
  assert.equal(log.inRange({ job: 'quiet' }).heldFrom, T + 10);
  assert.equal(log.inRange({ job: 'flood' }).heldFrom, T + 20);
  assert.equal(log.inRange({ job: 'not-held' }).heldFrom, T + 6);
  // A new snapshot of it keeps that, and a job not held keeps the old value too.
  const again = FailureLog.fromJSON({ ringSize: 3 }, viaText(log.toJSON()));
  for (const job of ['quiet', 'flood', 'not-held']) assert.equal(again.inRange({ job }).heldFrom, log.inRange({ job }).heldFrom, job);
});

test('insert cost does not grow with the ring (no scan of the ring per failure)', () => {
  // The flood is the hot path: 200,000 failures into a ring of 500 and one of 50,000 take about as
  // long (a scan per insert would make the large one ~100× slower). Generous bound: a shared CI box.
  const time = (ringSize: number) => {
    const log = new FailureLog({ ringSize });
    for (let i = 0; i < 50_000; i++) log.record(failed(`j${i % 7}`, i)); // warm up and fill
    const spans = Array.from({ length: 200_000 }, (_, i) => failed(`j${i % 7}`, 100_000 + i));
    const start = process.hrtime.bigint();
    for (const s of spans) log.record(s);
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  time(500); // JIT warm-up
  const small = time(500);
  const large = time(50_000);
  assert.ok(large < small * 10, `ring 500: ${small.toFixed(0)} ms, ring 50,000: ${large.toFixed(0)} ms`);
});
