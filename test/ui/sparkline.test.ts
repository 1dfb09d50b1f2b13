import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sparkline } from '../../src/ui/sparkline.js';

test('points are spread over the width by time and over the height by error ratio (0 at the bottom)', () => {
  const s = sparkline(
    [
      { t: 1000, errorRatio: 0 },
      { t: 1500, errorRatio: 0.02 },
      { t: 2000, errorRatio: 0.04 },
    ],
    100,
    10,
  );
  assert.equal(s.yMax, 0.04);
  assert.equal(s.line, 'M0,10 L50,5 L100,0');
  assert.equal(s.area, 'M0,10 L50,5 L100,0 L100,10 L0,10 Z');
  assert.equal(s.referenceY, undefined);
});

test('uneven timestamps land where their time is, not at equal steps', () => {
  const s = sparkline(
    [
      { t: 0, errorRatio: 0.1 },
      { t: 10, errorRatio: 0.1 },
      { t: 40, errorRatio: 0.1 },
    ],
    200,
    20,
  );
  assert.equal(s.line, 'M0,0 L50,0 L200,0');
});

test('the allowed error ratio sets the scale when the line is below it, so healthy looks healthy', () => {
  const s = sparkline(
    [
      { t: 0, errorRatio: 0.0005 },
      { t: 60, errorRatio: 0.00025 },
    ],
    300,
    48,
    0.001,
  );
  assert.equal(s.yMax, 0.001);
  assert.equal(s.referenceY, 0);
  assert.equal(s.line, 'M0,24 L300,36');
});

test('a line above the allowed ratio scales to its own peak and the reference sits below the top', () => {
  const s = sparkline(
    [
      { t: 0, errorRatio: 0 },
      { t: 1, errorRatio: 0.004 },
    ],
    100,
    40,
    0.001,
  );
  assert.equal(s.yMax, 0.004);
  assert.equal(s.referenceY, 30);
});

test('all-zero history is a flat line on the bottom edge, not a division by zero', () => {
  const s = sparkline(
    [
      { t: 0, errorRatio: 0 },
      { t: 5, errorRatio: 0 },
    ],
    100,
    10,
  );
  assert.equal(s.line, 'M0,10 L100,10');
  assert.ok(!s.line.includes('NaN'));
});

test('a single point is drawn as a level across the whole width', () => {
  assert.equal(sparkline([{ t: 7, errorRatio: 0.5 }], 100, 10).line, 'M0,0 L100,0');
});

test('no points draw nothing', () => {
  const s = sparkline([], 100, 10, 0.001);
  assert.equal(s.line, '');
  assert.equal(s.area, '');
});

test('non-finite or negative ratios are drawn as zero, never as NaN coordinates', () => {
  const s = sparkline(
    [
      { t: 0, errorRatio: Number.NaN },
      { t: 1, errorRatio: -1 },
      { t: 2, errorRatio: 0.2 },
    ],
    10,
    10,
  );
  assert.equal(s.line, 'M0,10 L5,10 L10,0');
});

test('a point without events (null: no data) is a gap in the line, not a 0', () => {
  const s = sparkline(
    [
      { t: 0, errorRatio: 0.02 },
      { t: 25, errorRatio: 0.04 },
      { t: 50, errorRatio: null },
      { t: 75, errorRatio: 0.02 },
      { t: 100, errorRatio: 0.04 },
    ],
    100,
    10,
  );
  assert.equal(s.line, 'M0,5 L25,0 M75,5 L100,0');
  assert.equal(s.area, 'M0,5 L25,0 L25,10 L0,10 Z M75,5 L100,0 L100,10 L75,10 Z');
  assert.deepEqual(sparkline([{ t: 0, errorRatio: null }, { t: 1, errorRatio: null }], 100, 10), { line: '', area: '', yMax: 0 });
});

test('a point between gaps (traffic just resumed) is drawn as a short level, not an invisible lone move-to', () => {
  const s = sparkline(
    [
      { t: 0, errorRatio: 0.04 },
      { t: 25, errorRatio: null },
      { t: 50, errorRatio: 0.02 },
      { t: 75, errorRatio: null },
      { t: 100, errorRatio: 0.04 },
    ],
    100,
    10,
  );
  assert.equal(s.line, 'M0,0 L12.5,0 M37.5,5 L62.5,5 M87.5,0 L100,0');
  assert.equal(s.area, 'M0,0 L12.5,0 L12.5,10 L0,10 Z M37.5,5 L62.5,5 L62.5,10 L37.5,10 Z M87.5,0 L100,0 L100,10 L87.5,10 Z');
});
