/**
 * The tours (src/demo/tour.ts), the background noise's share, what demo time is said to mean, and
 * the stop summary's alert bookkeeping: pure parts, checked without running a demo.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.js';
import type { SloApiResponse } from '../../src/collector/model.js';
import { NOISE_PER_MINUTE } from '../../src/demo/noise.js';
import { SCENARIO_NAMES, buildTimeline } from '../../src/demo/scenarios.js';
import { AlertLog, failuresByReason, summaryLines } from '../../src/demo/summary.js';
import { realTime, timeScaleText, TOURS, tourTimeline } from '../../src/demo/tour.js';
import { RATES } from '../../src/demo/world.js';

const minutes = (phases: { demoMinutes: number }[]) => phases.reduce((s, p) => s + p.demoMinutes, 0);

test('quick tour: every failure mode, a 5-minute opening, within 10 real minutes at its default speed', () => {
  const quick = tourTimeline('quick', SCENARIO_NAMES);
  assert.deepEqual(quick[0] && { name: quick[0].name, demoMinutes: quick[0].demoMinutes }, { name: 'steady', demoMinutes: 5 });
  for (const s of SCENARIO_NAMES) assert.ok(quick.some((p) => p.scenario === s), s);
  const realMinutes = minutes(quick) / TOURS.quick.defaultSpeed;
  assert.ok(realMinutes < 10, `${realMinutes} real minutes`);
  // The first failure phase starts within the first minute.
  assert.ok(quick[0]!.demoMinutes / TOURS.quick.defaultSpeed < 1);
  assert.equal(TOURS.quick.noise, true);
});

test('full tour: the realistic timeline unchanged, speed 1, no noise', () => {
  const full = tourTimeline('full', SCENARIO_NAMES);
  assert.deepEqual(full.map((p) => [p.name, p.demoMinutes]), buildTimeline(SCENARIO_NAMES).map((p) => [p.name, p.demoMinutes]));
  assert.equal(full[0]!.demoMinutes, 10);
  assert.deepEqual([TOURS.full.defaultSpeed, TOURS.full.noise], [1, false]);
});

test('the background noise stays inside the auth-success budget: burn rate below 0.6', () => {
  const objective = parseConfig({}).slos.find((s) => s.name === 'auth-success')!.objective;
  const paymentsPerMinute = (RATES.checkout + RATES.billing) * 60;
  const burn = NOISE_PER_MINUTE / paymentsPerMinute / (1 - objective);
  assert.ok(NOISE_PER_MINUTE > 0);
  assert.ok(burn < 0.6, `noise burn rate ${burn}`);
});

test('demo time in words: windows and the period in real time', () => {
  assert.equal(realTime('5m', 30), '10 s');
  assert.equal(realTime('1h', 30), '2 min');
  assert.equal(realTime('30d', 30), '24 h');
  assert.equal(realTime('30d', 1), '30 d');
  assert.equal(
    timeScaleText(30, '30d'),
    'demo time runs 30× real time: 5m = 10 s, 1h = 2 min, 6h = 12 min, 1d = 48 min; "30d" (the SLO period) = 24 h of real time',
  );
  assert.match(timeScaleText(1, '30d'), /real time \(speed 1\)/);
});

test('summary: burn-rate alerts seen holding, failure-mode alerts of scenarios that ran 10+ demo minutes, failures by reason', () => {
  const log = new AlertLog();
  const windows = (burn: number) => ['5m', '1h'].map((window) => ({ window, errorRatio: burn / 1000, burnRate: burn, events: 100, badEvents: burn / 10 }));
  const answer = (burn: number): SloApiResponse => ({
    generatedAt: '',
    slos: [{ job: 'payments-api', slo: 'auth-success', description: '', objective: 0.999, period: '30d', sli: 1, errorBudgetRemaining: 1, windows: windows(burn) }],
    burnAlerts: [{ severity: 'critical', long: '1h', short: '5m', factor: 14.4 }],
  });
  log.observe([answer(2)], 1);
  assert.deepEqual(log.burnAlerts(), []);
  log.observe([answer(200)], 2);
  log.observe([answer(300)], 3);
  assert.deepEqual(log.burnAlerts(), [{ job: 'payments-api', slo: 'auth-success', severity: 'critical', long: '1h', short: '5m', factor: 14.4, since: 2 }]);
  log.ran('canonicalization', 15);
  log.ran('replay', 6);
  log.ran('steady', 30);
  assert.deepEqual(log.expectedAlerts('HmacAuth'), ['HmacAuthSignatureMismatchSpike', 'HmacAuthForgedAttemptsFlood']);
  const failures = failuresByReason({ verifications: { a: { 'accepted/ok': 10, 'rejected/replay': 2 }, b: { 'rejected/replay': 1, 'error/kms_timeout': 5 } } });
  assert.deepEqual(failures, { kms_timeout: 5, replay: 3 });
  const lines = summaryLines({ sent: 20, verifications: 18, signingFailures: 2, failures, burnAlerts: log.burnAlerts(), expectedAlerts: log.expectedAlerts('HmacAuth'), alertPrefix: 'HmacAuth' });
  assert.match(lines.join('\n'), /20 sent, 18 verified, 8 rejected or failed; 2 not sent/);
  assert.match(lines.join('\n'), /kms_timeout 5 · replay 3/);
  assert.match(lines.join('\n'), /HmacAuthErrorBudgetBurn page 1h\/5m > 14\.4×: payments-api auth-success/);
});
