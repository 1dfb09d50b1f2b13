import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeriesReadings } from '../../src/collector/aggregate/series-increase.js';

const set = (entries: [string, number, number][]) => new Map(entries.map(([id, a, b]) => [id, [a, b]]));

test('per series: a series leaving adds nothing, a new one counts in full, one that comes back adds only its new events', () => {
  const r = SeriesReadings.of(set([['v1', 1, 100], ['v2', 0, 20]]));
  assert.deepEqual(r.increase(set([['v2', 0, 25]]), 2), [0, 5]); // v1 left: no reset, no negative
  r.update(set([['v2', 0, 25]]));
  assert.deepEqual(r.increase(set([['v2', 0, 25], ['v3', 2, 7]]), 2), [2, 7]);
  r.update(set([['v2', 0, 25], ['v3', 2, 7]]));
  assert.deepEqual(r.increase(set([['v1', 1, 103], ['v2', 0, 25], ['v3', 2, 7]]), 2), [0, 3]); // v1 resumed from 100
});

test('a series that went down is a reset of that series: its whole new value counts (counter-reset.ts), the others only their increase', () => {
  const r = SeriesReadings.of(set([['a', 0, 1000], ['b', 5, 5]]));
  assert.deepEqual(r.increase(set([['a', 0, 50], ['b', 5, 5]]), 2), [0, 50]);
  assert.deepEqual(r.increase(set([['a', 0, 50], ['b', 6, 7]]), 2), [1, 52]);
});

test('readings of series that left are bounded: as many as the set ever had present (at least 8), oldest first', () => {
  const r = new SeriesReadings();
  for (let version = 0; version < 100; version++) r.update(new Map([[`v${version}`, [version]]]));
  assert.equal(r.size, 9); // the present one and the 8 latest that left
  const big = new SeriesReadings();
  const many = (v: number) => new Map(Array.from({ length: 100 }, (_, i) => [`v${v}/${i}`, [1]]));
  for (let v = 0; v < 5; v++) big.update(many(v));
  assert.equal(big.size, 200); // this version's 100 and the previous version's 100
  assert.deepEqual(big.increase(many(3), 1), [0]); // the previous version is still known: a rollback adds nothing
  assert.deepEqual(big.increase(many(2), 1), [100]); // an older one is forgotten: counted as new
});

test('state that kept only the sum is compared by its sum once, then per series; it is persisted as the sum alone until then', () => {
  const r = SeriesReadings.fromSum([0, 120]);
  assert.equal(r.toJSON(), undefined);
  assert.deepEqual(r.sum(2), [0, 120]);
  assert.deepEqual(r.increase(set([['v1', 0, 100], ['v2', 0, 25]]), 2), [0, 5]);
  r.update(set([['v1', 0, 100], ['v2', 0, 25]]));
  assert.deepEqual(r.increase(set([['v2', 0, 26]]), 2), [0, 1]);
  assert.deepEqual(SeriesReadings.fromJSON(r.toJSON()!).increase(set([['v2', 0, 26]]), 2), [0, 1]);
});

test('the bound holds across restarts: restored readings of series that left do not raise it', () => {
  // 100 series per version; a deploy (a new version's 100) between each restart of the collector.
  const many = (v: number) => new Map(Array.from({ length: 100 }, (_, i) => [`v${v}/${i}`, [1]]));
  let r = SeriesReadings.of(many(0));
  for (let v = 1; v <= 10; v++) {
    r.update(many(v));
    r = SeriesReadings.fromJSON(JSON.parse(JSON.stringify(r.toJSON())));
  }
  r.update(many(11));
  assert.equal(r.size, 200, 'this version\'s 100 and the previous version\'s 100, however many restarts');
});

test('one series that restarted from 0 (its remembered total dropped) counts its new events only, not the set\'s others again', () => {
  // A version's series expired and, its total no longer remembered (expired-totals.ts bound),
  // came back from 0 with 2 events; the other series of the (job, SLO) moved by 3. Prometheus's
  // increase() per series counts 2 + 3; recounting the set's whole value would add 1,000 more.
  const r = SeriesReadings.of(set([['v1', 10, 1000], ['v2', 0, 500]]));
  r.update(set([['v2', 0, 500]])); // v1 left
  assert.deepEqual(r.increase(set([['v1', 1, 2], ['v2', 0, 503]]), 2), [1, 5]);
});
