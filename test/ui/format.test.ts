import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiUrl, formatBudget, formatBurn, formatChartTime, formatClock, formatCount, formatElapsed, formatErrorRatio, formatPercent } from '../../src/ui/format.js';

test('percentages keep the digits that matter and trim the rest', () => {
  assert.equal(formatPercent(0.999), '99.9%');
  assert.equal(formatPercent(0.9995, 3), '99.95%');
  assert.equal(formatPercent(0.99987, 3), '99.987%');
  assert.equal(formatPercent(0.72345, 1), '72.3%');
  assert.equal(formatPercent(1), '100%');
  assert.equal(formatPercent(0), '0%');
});

test('rounding never shows 100% for an imperfect SLI or 0% for a non-zero error ratio', () => {
  assert.equal(formatPercent(0.999996), '>99.99%');
  assert.equal(formatPercent(0.9999996, 3), '>99.999%');
  assert.equal(formatPercent(0.000001), '<0.01%');
});

test('an overspent budget shows as negative', () => {
  assert.equal(formatPercent(-0.35, 1), '-35%');
  assert.equal(formatPercent(-1.254, 1), '-125.4%');
});

test('non-finite numbers show a dash, never NaN or Infinity', () => {
  for (const v of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
    assert.equal(formatPercent(v), '–');
    assert.equal(formatBurn(v), '–');
    assert.equal(formatCount(v), '–');
  }
});

test('burn rates are multiples with precision that shrinks as they grow', () => {
  assert.equal(formatBurn(0), '0×');
  assert.equal(formatBurn(0.4213), '0.42×');
  assert.equal(formatBurn(2), '2×');
  assert.equal(formatBurn(14.4), '14.4×');
  assert.equal(formatBurn(123.6), '124×');
});

test('counts get thousands separators whatever the locale', () => {
  assert.equal(formatCount(0), '0');
  assert.equal(formatCount(999), '999');
  assert.equal(formatCount(1000), '1,000');
  assert.equal(formatCount(1234567), '1,234,567');
  assert.equal(formatCount(-4200), '-4,200');
});

test('clock time is the local time of day', () => {
  assert.equal(formatClock(new Date(2026, 0, 2, 3, 4, 5).getTime()), '03:04:05');
  assert.equal(formatClock(new Date(2026, 10, 24, 23, 59, 59, 999).getTime()), '23:59:59');
});

test('elapsed times read naturally', () => {
  assert.equal(formatElapsed(400), 'just now');
  assert.equal(formatElapsed(12_000), '12 s');
  assert.equal(formatElapsed(3 * 60_000 + 5_000), '3 min');
  assert.equal(formatElapsed(2 * 3_600_000), '2 h');
  assert.equal(formatElapsed(2 * 3_600_000 + 5 * 60_000), '2 h 5 min');
  assert.equal(formatElapsed(4 * 86_400_000), '4 d');
});

test('API query values are escaped, so a filter value cannot add or change parameters', () => {
  const url = apiUrl('api/failures', { job: 'pay&reason=replay #1', reason: '', limit: 50 });
  assert.equal(url, 'api/failures?job=pay%26reason%3Dreplay+%231&limit=50');
  const parsed = new URL(url, 'http://collector.test/');
  assert.equal(parsed.pathname, '/api/failures');
  assert.deepEqual([...parsed.searchParams.entries()], [
    ['job', 'pay&reason=replay #1'],
    ['limit', '50'],
  ]);
  assert.equal(parsed.hash, '');
});

test('an API URL without parameters has no query string', () => {
  assert.equal(apiUrl('api/slo'), 'api/slo');
  assert.equal(apiUrl('api/failures', { job: undefined, reason: '' }), 'api/failures');
});

test("an SLO's scope reads as label = values, ≠ for the values it leaves out", async () => {
  const { formatScope } = await import('../../src/ui/format.js');
  assert.equal(formatScope({ job: ['payments-api'], deployment_environment_name: ['prod', 'eu'] }), 'job = payments-api · deployment_environment_name = prod | eu');
  assert.equal(formatScope({ job: { notIn: ['payments-api'] } }), 'job ≠ payments-api');
});

test('error ratios keep the decimals their size needs; a budget overspent tenfold shows no decimals', () => {
  assert.deepEqual([0.36667, 0.18824, 0.0227, 0.00012, 0.0000001, 0, null].map(formatErrorRatio), ['36.7%', '18.8%', '2.27%', '0.012%', '<0.001%', '0%', 'no data']);
  assert.deepEqual([-170.98234, -12.5, -9.9876, 0.8234, 1, null].map(formatBudget), ['-17098%', '-1250%', '-998.8%', '82.3%', '100%', 'no data']);
});

test('chart times: the clock within a day, the date too over a day or more (a 24 h range starts and ends at the same clock time)', () => {
  const t = new Date(2026, 10, 29, 15, 16, 42).getTime();
  assert.equal(formatChartTime(t, 6 * 3_600_000), '15:16');
  assert.equal(formatChartTime(t, 5 * 60_000), '15:16:42');
  assert.equal(formatChartTime(t, 86_400_000), '11-29 15:16');
  assert.equal(formatChartTime(t + 86_400_000, 86_400_000), '11-30 15:16');
});

test('a budget overspent by a hair never reads as "0%" (untouched-looking): rounding keeps the sign', () => {
  assert.deepEqual([-0.00001, -0.0004, -0.0006].map(formatBudget), ['>-0.1%', '>-0.1%', '-0.1%']);
  assert.equal(formatPercent(-0.000001), '>-0.01%');
  assert.deepEqual([0, -0].map(formatBudget), ['0%', '0%']);
});
