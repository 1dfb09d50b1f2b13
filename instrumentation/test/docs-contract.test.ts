import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ATTR, FAILURE_CAUSES, FAILURE_REASONS, INSTRUMENTS, SLO_SERIES, promLabel } from '../src/contract.js';

const doc = readFileSync(new URL('../../docs/metrics.md', import.meta.url), 'utf8');

/** Rows of the first markdown table whose header row starts with `firstHeader`. */
function tableRows(firstHeader: string): string[][] {
  const lines = doc.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`| ${firstHeader} |`));
  assert.ok(start >= 0, `docs/metrics.md has a table starting with "${firstHeader}"`);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(line.slice(1, -1).split('|').map((c) => c.trim()));
  }
  return rows;
}

const code = (s: string) => s.replace(/`/g, '');

test('the instrument table lists every contract instrument with kind, unit, attributes and Prometheus name', () => {
  const rows = tableRows('OpenTelemetry instrument');
  assert.equal(rows.length, Object.keys(INSTRUMENTS).length, 'one row per instrument, no extras');
  for (const spec of Object.values(INSTRUMENTS)) {
    const row = rows.find((r) => code(r[0]!) === spec.name);
    assert.ok(row, `${spec.name} has a row`);
    assert.equal(row[1], spec.kind.replace('_', ' '), `${spec.name} kind`);
    assert.equal(code(row[2]!), spec.unit, `${spec.name} unit`);
    assert.deepEqual(code(row[3]!).split(', '), [...spec.attributes], `${spec.name} attributes`);
    const prom = row[4]!.match(/`([^`]+)`/)![1];
    assert.equal(prom, spec.prometheus, `${spec.name} Prometheus name`);
    if (spec.kind === 'histogram') assert.match(row[4]!, /`_bucket`, `_sum`, `_count`/);
  }
});

test('the failure-reason table lists every reason with its outcome and failure mode', () => {
  const rows = tableRows('reason (`error.type`)');
  assert.equal(rows.length, Object.keys(FAILURE_REASONS).length);
  for (const [reason, { outcome, reveals }] of Object.entries(FAILURE_REASONS)) {
    const row = rows.find((r) => code(r[0]!) === reason);
    assert.ok(row, `${reason} has a row`);
    assert.equal(code(row[1]!), outcome);
    assert.equal(row[2], reveals);
  }
});

test('the failure-cause table lists every cause of the closed set, with its meaning', () => {
  const rows = tableRows('cause (`hmac.failure.cause`)');
  assert.deepEqual(rows.map((r) => code(r[0]!)), Object.keys(FAILURE_CAUSES));
  for (const [cause, meaning] of Object.entries(FAILURE_CAUSES)) assert.equal(rows.find((r) => code(r[0]!) === cause)![1], meaning);
});

test('the attribute table gives every metric attribute its Prometheus label', () => {
  const rows = tableRows('attribute');
  const metricAttributes = new Set(Object.values(INSTRUMENTS).flatMap((i) => i.attributes));
  for (const attribute of metricAttributes) {
    const row = rows.find((r) => code(r[0]!) === attribute);
    assert.ok(row, `${attribute} documented`);
    assert.equal(code(row[1]!), promLabel(attribute));
  }
  // Span-only attributes are documented as such, not in the label table.
  for (const spanOnly of [ATTR.clientId, ATTR.errorClass]) {
    assert.ok(!rows.some((r) => code(r[0]!) === spanOnly));
    assert.ok(doc.includes(`\`${spanOnly}\``));
  }
});

test('the SLO series are documented', () => {
  const rows = tableRows('series');
  assert.deepEqual(rows.map((r) => code(r[0]!)).sort(), Object.values(SLO_SERIES).sort());
});
