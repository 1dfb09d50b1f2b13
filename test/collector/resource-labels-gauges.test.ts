/**
 * Resource labels across deploys, gauges: a gauge keeps the last value pushed for its job and
 * attributes, and with `service_version` each version has its own series. Once the last pusher of a
 * version is forgotten, that version's gauges are dropped: otherwise its frozen last values stay
 * for as long as the job lives and `sum by (job)` adds them to the running version's (key clients
 * and failing clients doubled after one deploy, tripled after two), and a key's owner or status
 * declared by the old version stays beside the new one. Counters and histograms stay (their totals
 * are what the SLO engine and `increase()` read).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Aggregator } from '../../src/collector/aggregate/aggregator.js';
import type { Attributes, ResourceMetrics } from '../../src/collector/otlp/types.js';
import { testLimits } from './aggregator-test-limits.js';

const limits = testLimits({
  maxSeries: 100,
  maxSeriesPerJob: 100,
  pusherTtlMs: 1000,
  resourceLabels: { attributes: [{ attribute: 'service.version', label: 'service_version' }], maxValuesPerLabel: 50 },
});

const push = (instance: string, version: string, clients: number, owner: string): ResourceMetrics[] => [
  {
    resource: { 'service.name': 'api', 'service.instance.id': instance, 'service.version': version },
    metrics: [
      { name: 'hmac.key.clients', unit: '{client}', description: '', data: { type: 'gauge', points: [{ attributes: { 'hmac.key_id': 'k1' }, start: '1', value: clients }] } },
      { name: 'hmac.key.info', unit: '{key}', description: '', data: { type: 'gauge', points: [{ attributes: { 'hmac.key_id': 'k1', 'hmac.key.status': 'active', 'hmac.key.owner': owner } as Attributes, start: '1', value: 1 }] } },
      { name: 'hmac.auth.verifications', unit: '{verification}', description: '', data: { type: 'sum', temporality: 2, monotonic: true, points: [{ attributes: { 'hmac.outcome': 'accepted' }, start: '1', value: 7 }] } },
    ],
  },
];
const byName = (a: Aggregator, name: string) =>
  [...a.series()].filter((s) => s.name === name).map((s) => `${s.attributes['service.version']}:${s.attributes['hmac.key.owner'] ?? ''}=${s.value}`).sort();

test('a version whose last pusher is forgotten leaves no gauge behind; its counters stay', () => {
  let a = new Aggregator(limits);
  a.ingest(push('old-0', 'v1', 40, 'team-a'), 0);
  a.ingest(push('old-1', 'v1', 40, 'team-a'), 500);
  a.ingest(push('new-0', 'v2', 35, 'team-b'), 1000);
  a.forget(a.expiredPushers(1200), 1200); // old-0 forgotten: old-1 still holds v1
  assert.deepEqual(byName(a, 'hmac.key.clients'), ['v1:=40', 'v2:=35']);
  a = Aggregator.fromJSON(limits, JSON.parse(JSON.stringify(a.toJSON())));
  a.ingest(push('new-0', 'v2', 36, 'team-b'), 1600);
  a.forget(a.expiredPushers(1600), 1600); // old-1 forgotten: v1 is gone
  assert.deepEqual(byName(a, 'hmac.key.clients'), ['v2:=36']);
  assert.deepEqual(byName(a, 'hmac.key.info'), ['v2:team-b=1']);
  assert.deepEqual(byName(a, 'hmac.auth.verifications'), ['v1:=14', 'v2:=7']);
  // A version that comes back gets its gauges again with its next push.
  a.ingest(push('old-2', 'v1', 3, 'team-a'), 1700);
  assert.deepEqual(byName(a, 'hmac.key.clients'), ['v1:=3', 'v2:=36']);
});
