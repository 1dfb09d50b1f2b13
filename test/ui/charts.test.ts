// Geometry of the SLO detail view's charts (src/ui/charts.ts) and the compressed-time wording, in Node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chart, MARGIN, ticks } from '../../src/ui/charts.js';
import { formatScaledDuration } from '../../src/ui/format.js';
import { timeScaleNote } from '../../src/ui/slo-detail.js';

const base = { from: 0, to: 100, width: 200 + MARGIN.left + MARGIN.right, height: 100 + MARGIN.top + MARGIN.bottom, format: String };

test('a gap in the data starts a new segment and is reported as a "no data" stretch', () => {
  const g = chart({ ...base, times: [25, 50, 75, 100], scale: 'linear', series: [{ name: 'a', cls: 'w0', values: [null, 1, null, 2] }] });
  assert.equal(g.hasData, true);
  const d = g.paths[0]!.d;
  assert.equal((d.match(/M/g) ?? []).length, 2, d);
  // Each value between gaps (a step of sparse traffic) is a short level, never a lone move-to that
  // draws nothing: half a step (200 / 4 / 2 = 25) either side, inside the plot.
  // x = left margin + t × 2; y: 1 and 2 on a 0–2.1 axis (5 % headroom) 100 high.
  assert.equal(d, `M${MARGIN.left + 75},60.38 L${MARGIN.left + 125},60.38 M${MARGIN.left + 175},12.76 L${MARGIN.left + 200},12.76`);
  // Steps 0–25 and 50–75 have no value: x = left margin + t × 2.
  assert.deepEqual(g.noData, [
    { x0: MARGIN.left, x1: MARGIN.left + 50 },
    { x0: MARGIN.left + 100, x1: MARGIN.left + 150 },
  ]);
});

test('no value at all: nothing drawn, hasData false, the whole axis is "no data"', () => {
  const g = chart({ ...base, times: [50, 100], scale: 'linear', series: [{ name: 'a', cls: 'w0', values: [null, null] }] });
  assert.equal(g.hasData, false);
  assert.equal(g.paths[0]!.d, '');
  assert.deepEqual(g.noData, [{ x0: MARGIN.left, x1: MARGIN.left + 200 }]);
});

test('log scale: each power of ten is an equal step; thresholds and a 1000× incident fit one chart', () => {
  const g = chart({
    ...base,
    times: [50, 100],
    scale: 'log',
    series: [{ name: 'burn', cls: 'w0', values: [0, 1000] }],
    refs: [{ value: 14.4, label: 'page', cls: 'page' }, { value: 1, label: 'ticket', cls: 'ticket' }],
  });
  const ys = g.yTicks.map((t) => t.y);
  const steps = ys.slice(1).map((y, i) => ys[i]! - y);
  // The 0 puts the floor a decade lower, marked "≤": a burn of 0 is not drawn as 1× (the ticket threshold).
  assert.deepEqual(g.yTicks.map((t) => t.label), ['≤0.1', '1', '10', '100', '1000', '10000']);
  assert.ok(g.yTicks.find((t) => t.label === '1')!.y < MARGIN.top + 100 - 1, '1× is above the floor');
  assert.ok(steps.every((s) => Math.abs(s - steps[0]!) < 0.05), `equal decades: ${steps.join(' ')}`);
  const page = g.refs.find((r) => r.label === 'page')!.y;
  const ticket = g.refs.find((r) => r.label === 'ticket')!.y;
  assert.ok(page < ticket && ticket <= MARGIN.top + 100, 'page threshold above ticket, both inside the plot');
  // A burn of 0 is drawn on the floor, not at -Infinity.
  assert.match(g.paths[0]!.d, /^M\d+(\.\d+)?,\d+(\.\d+)? L/);
});

test('linear scale keeps 0 in view and overspent budgets below it; ticks are round numbers', () => {
  const g = chart({ ...base, times: [50, 100], scale: 'linear', series: [{ name: 'budget', cls: 'w0', values: [1, -3] }], refs: [{ value: 0, label: 'spent', cls: 'page' }] });
  const zero = g.refs[0]!.y;
  assert.ok(zero > MARGIN.top && zero < MARGIN.top + 100, `0 inside the plot (${zero})`);
  assert.deepEqual(ticks(-3.2, 1.2, 'linear'), [-3, -2, -1, 0, 1]);
  assert.deepEqual(ticks(0, 0.31, 'linear'), [0, 0.1, 0.2, 0.3]);
  assert.deepEqual(ticks(0.1, 1000, 'log'), [0.1, 1, 10, 100, 1000]);
});

test('the compressed-time note says what window names and the period mean in real time', () => {
  assert.equal(timeScaleNote(1, '30d'), '');
  assert.equal(timeScaleNote(undefined, '30d'), '');
  assert.equal(
    timeScaleNote(30, '30d'),
    'Compressed time: this collector runs 30× faster than real time (config timeScale). Window names are demo time: 5m = 10 s, 1h = 2 min, 1d = 48 min of real time; the "30d" SLO period is 24 h.',
  );
  assert.equal(formatScaledDuration(30 * 86400, 1), '30 d');
  assert.equal(formatScaledDuration(300, 120), '2.5 s');
});
