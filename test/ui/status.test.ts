// The page's red/amber/green rule must agree with the generated multiwindow burn-rate alerts:
// a condition holds only when BOTH its long and its short window burn faster than its factor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alertConditions, severityLabel, statusColour, thresholdsFor, type BurnAlert } from '../../src/ui/status.js';

// The SRE-workbook defaults, factors worked out by hand: budget share × period / long window, 30d period.
const ALERTS: BurnAlert[] = [
  { severity: 'critical', long: '1h', short: '5m', factor: (0.02 * 720) / 1 }, // 14.4
  { severity: 'critical', long: '6h', short: '30m', factor: (0.05 * 720) / 6 }, // 6
  { severity: 'warning', long: '1d', short: '2h', factor: (0.1 * 720) / 24 }, // 3
  { severity: 'warning', long: '3d', short: '6h', factor: (0.1 * 720) / 72 }, // 1
];

function slo(burns: Record<string, number>) {
  return {
    windows: Object.entries(burns).map(([window, burnRate]) => ({ window, burnRate, errorRatio: burnRate * 0.001, events: 100, badEvents: 0 })),
  };
}
const QUIET = { '5m': 0, '30m': 0, '1h': 0, '2h': 0, '6h': 0, '1d': 0, '3d': 0, '30d': 0 };

test('no burn is green', () => {
  assert.equal(statusColour(slo(QUIET), ALERTS), 'green');
});

test('a fast burn over 1h confirmed over 5m is red (page)', () => {
  assert.equal(statusColour(slo({ ...QUIET, '1h': 20, '5m': 15 }), ALERTS), 'red');
});

test('a fast 1h burn that has stopped (5m below the factor) is not red: the alert has reset', () => {
  assert.equal(statusColour(slo({ ...QUIET, '1h': 20, '5m': 2 }), ALERTS), 'green');
});

test('a slower burn over 6h confirmed over 30m is red', () => {
  assert.equal(statusColour(slo({ ...QUIET, '6h': 7, '30m': 6.5 }), ALERTS), 'red');
});

test('a ticket-level burn over 1d and 2h is amber', () => {
  assert.equal(statusColour(slo({ ...QUIET, '1d': 4, '2h': 3.5 }), ALERTS), 'amber');
});

test('a slow 3d burn confirmed over 6h is amber, not red (6h is under the 6× page factor)', () => {
  assert.equal(statusColour(slo({ ...QUIET, '3d': 1.5, '6h': 1.2 }), ALERTS), 'amber');
});

test('red wins when a page and a ticket condition both hold', () => {
  assert.equal(statusColour(slo({ '5m': 30, '30m': 30, '1h': 30, '2h': 30, '6h': 30, '1d': 30, '3d': 30 }), ALERTS), 'red');
});

test('burning exactly at the factor does not fire (the rules compare with >)', () => {
  assert.equal(statusColour(slo({ ...QUIET, '1h': 14.4, '5m': 14.4 }), ALERTS), 'green');
});

test('a window the API did not report never makes a condition hold', () => {
  assert.equal(statusColour(slo({ '1h': 50 }), ALERTS), 'green');
  const conditions = alertConditions(slo({ '1h': 50 }), ALERTS);
  assert.equal(conditions[0]!.longBurn, 50);
  assert.equal(conditions[0]!.shortBurn, undefined);
  assert.equal(conditions[0]!.holds, false);
});

test('an info-severity condition does not colour the card', () => {
  const info: BurnAlert[] = [{ severity: 'info', long: '1h', short: '5m', factor: 1 }];
  assert.equal(statusColour(slo({ ...QUIET, '1h': 5, '5m': 5 }), info), 'green');
});

test('alertConditions reports both burn rates for every configured alert, in order', () => {
  const c = alertConditions(slo({ ...QUIET, '6h': 7, '30m': 8 }), ALERTS);
  assert.deepEqual(
    c.map((x) => [x.alert.long, x.longBurn, x.shortBurn, x.holds]),
    [
      ['1h', 0, 0, false],
      ['6h', 7, 8, true],
      ['1d', 0, 0, false],
      ['3d', 0, 7, false],
    ],
  );
});

test('thresholds shown next to a burn rate are those of the alerts that read that window', () => {
  assert.deepEqual(thresholdsFor('1h', ALERTS), { page: 14.4 });
  assert.deepEqual(thresholdsFor('6h', ALERTS), { page: 6, ticket: 1 }); // 6h is the 3d ticket's short window
  assert.deepEqual(thresholdsFor('2h', ALERTS), { ticket: 3 });
  assert.deepEqual(thresholdsFor('12h', ALERTS), {});
});

test('severities read as what they do to a person', () => {
  assert.equal(severityLabel('critical'), 'page');
  assert.equal(severityLabel('warning'), 'ticket');
  assert.equal(severityLabel('info'), 'info');
});
