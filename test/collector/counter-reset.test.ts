/**
 * One counter-reset rule (aggregate/counter-reset.ts) for every part that reads cumulative values:
 * the aggregator (a pusher's readings), the SLO engine and key usage (the aggregated totals, which
 * restart from 0 only when state was lost). Fed the same readings — up, down (a restart), up —
 * each counts the same events.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ATTR, INSTRUMENTS } from '@hmac-slo/instrumentation/contract';
import { increaseSince } from '../../src/collector/aggregate/counter-reset.js';
import { Aggregator } from '../../src/collector/aggregate/aggregator.js';
import { SloEngine } from '../../src/collector/slo/index.js';
import { KeyUsage } from '../../src/collector/keys/index.js';
import type { AggregatedSeries, SeriesSource } from '../../src/collector/model.js';
import { parseConfig } from '../../src/config/load.js';
import { TEMPORALITY_CUMULATIVE } from '../../src/collector/otlp/types.js';
import { testLimits } from './aggregator-test-limits.js';

/** Readings of one counter: 10, 25, then a restart to 4, then 9. Events: 10 + 15 + 4 + 5 = 34. */
const READINGS = [10, 25, 4, 9];
const EVENTS = 34;
const T0 = Date.UTC(2026, 0, 1);

/** One accepted-verifications series of job `api` and key `k1` at `value`. */
function source(value: number): SeriesSource {
  const s: AggregatedSeries = {
    job: 'api',
    name: INSTRUMENTS.verifications.name,
    promName: INSTRUMENTS.verifications.prometheus,
    attributes: { [ATTR.keyId]: 'k1', [ATTR.outcome]: 'accepted' },
    kind: 'counter',
    value,
  };
  return { series: () => [s] };
}

test('the rule: an increase is the difference, a decrease (or a restarted stream) makes the whole value new', () => {
  let events = READINGS[0]!;
  for (let i = 1; i < READINGS.length; i++) events += increaseSince(READINGS[i - 1]!, READINGS[i]!);
  assert.equal(events, EVENTS);
  assert.equal(increaseSince(25, 30, true), 30, 'a restarted stream (new start time) counts whole even when higher');
});

test('the aggregator, the SLO engine and key usage count the same events through a reset', () => {
  const agg = new Aggregator(testLimits({ maxSeries: 10, maxSeriesPerJob: 10, pusherTtlMs: 60_000 }));
  const resource = { 'service.name': 'api' };
  for (const [i, value] of READINGS.entries()) {
    const points = [{ attributes: { [ATTR.keyId]: 'k1', [ATTR.outcome]: 'accepted' }, start: '1', value }];
    const data = { type: 'sum' as const, temporality: TEMPORALITY_CUMULATIVE, monotonic: true, points };
    agg.ingest([{ resource, metrics: [{ name: INSTRUMENTS.verifications.name, unit: '', description: '', data }] }], T0 + i);
  }
  assert.deepEqual([...agg.series()].map((s) => s.value), [EVENTS]);

  const config = parseConfig({});
  const engine = new SloEngine(config);
  const usage = new KeyUsage(config);
  engine.sample(source(0), T0);
  usage.sample(source(0), T0);
  for (const [i, value] of READINGS.entries()) {
    engine.sample(source(value), T0 + (i + 1) * 10_000);
    usage.sample(source(value), T0 + (i + 1) * 10_000);
  }
  const now = T0 + READINGS.length * 10_000;
  const success = engine.status(now).slos.find((s) => s.slo === 'auth-success');
  assert.equal(success?.windows.find((w) => w.window === '5m')?.events, EVENTS);
  assert.equal(usage.response(source(READINGS.at(-1)!), now).keys.find((k) => k.keyId === 'k1')?.verifications, EVENTS);
});
