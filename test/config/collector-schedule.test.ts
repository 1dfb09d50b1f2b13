/** The collector's clock reads its periods from the config (collector.samplePeriod, collector.snapshotPeriod). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.js';
import { samplePeriodMs, snapshotPeriodMs } from '../../src/collector/schedule.js';

test('defaults: sample every 10 s, snapshot every minute, a snapshot past 64 MiB of log', () => {
  const config = parseConfig({});
  assert.equal(samplePeriodMs(config), 10_000);
  assert.equal(snapshotPeriodMs(config), 60_000);
  assert.equal(config.collector.snapshotLogBytes, 64 * 1024 * 1024);
});

test('the periods are settings, divided by timeScale down to their floors', () => {
  const config = parseConfig({ collector: { samplePeriod: '30s', snapshotPeriod: '5m' } });
  assert.equal(samplePeriodMs(config), 30_000);
  assert.equal(snapshotPeriodMs(config), 300_000);
  const fast = parseConfig({ timeScale: 1000, collector: { samplePeriod: '30s', snapshotPeriod: '5m' } });
  assert.equal(samplePeriodMs(fast), 200);
  assert.equal(snapshotPeriodMs(fast), 2_000);
});
