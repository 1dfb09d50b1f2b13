/**
 * The fair quota behind the aggregator's series, pushers and readings caps: a job never holds more
 * than its per-job cap, the total is never passed, each of the first maxJobs jobs keeps its reserve,
 * and the accounting does not drift through any order of takes and gives.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FairQuota } from '../../src/collector/aggregate/fair-quota.js';

const limits = { total: 100, perJob: 40, reserved: 5, maxJobs: 4 };

/** Takes units for `job` until refused; returns how many it got and why it stopped. */
function fill(q: FairQuota, job: string): [number, string | undefined] {
  let n = 0;
  for (let why = q.refusal(job); why === undefined; why = q.refusal(job)) {
    q.take(job);
    n++;
  }
  return [n, q.refusal(job)];
}

test('one job fills at most its per-job cap; floods take the shared part, and a later job still gets its reserve', () => {
  const q = new FairQuota(limits);
  assert.deepEqual(fill(q, 'a'), [40, 'per_job']);
  assert.deepEqual(fill(q, 'b'), [40, 'per_job']);
  // Shared part: 100 − 4 × 5 = 80, of which a and b took 35 each (their first 5 are reserved).
  assert.deepEqual(fill(q, 'c'), [15, 'total']);
  assert.deepEqual(fill(q, 'd'), [5, 'total']);
  // Beyond maxJobs jobs there is no reserve: a fifth job gets nothing while the shared part is full.
  assert.deepEqual(fill(q, 'e'), [0, 'total']);
  assert.equal(q.size, 100);
});

test('random takes and gives: never beyond the caps, and everything given back leaves the quota as new', () => {
  const q = new FairQuota(limits);
  const jobs = ['a', 'b', 'c', 'd', 'e', 'f'];
  let seed = 7;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  for (let i = 0; i < 20_000; i++) {
    const job = jobs[rnd(jobs.length)]!;
    if (rnd(3) > 0) {
      if (q.refusal(job) === undefined) q.take(job);
    } else q.give(job, rnd(4));
    assert.ok(q.size <= limits.total, `size ${q.size}`);
    assert.ok(q.heldBy(job) <= limits.perJob);
    assert.equal(jobs.reduce((n, j) => n + q.heldBy(j), 0), q.size);
  }
  for (const j of jobs) q.give(j, q.heldBy(j));
  assert.equal(q.size, 0);
  assert.equal(q.jobCount, 0);
  assert.deepEqual(fill(q, 'x'), [40, 'per_job']);
  assert.deepEqual(fill(q, 'y'), [40, 'per_job']);
  assert.deepEqual(fill(q, 'z'), [15, 'total']);
});
