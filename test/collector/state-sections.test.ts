/**
 * The failure log's and key usage's snapshot sections, in process: a round trip through JSON text
 * answers exactly as the original did and keeps doing so as traffic continues; a restore under
 * smaller bounds is trimmed to them (newest failures, highest counters, most used key entries);
 * anything that is not such a section is refused with a named error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AggregatedSeries, FailedSpan, SeriesSource } from '../../src/collector/model.js';
import { FailureLog, FailureStateError, SpaceSaving } from '../../src/collector/failures/index.js';
import { KeyUsage, KeyUsageStateError } from '../../src/collector/keys/index.js';
import { parseConfig } from '../../src/config/load.js';

const viaText = <T>(v: T): unknown => JSON.parse(JSON.stringify(v));

function span(i: number, job: string, client: string, outcome = 'rejected'): FailedSpan {
  return {
    timeUnixMs: 1_700_000_000_000 + i,
    job,
    name: 'hmac.verify',
    keyId: `k${i % 3}`,
    reason: outcome === 'rejected' ? 'replay' : 'kms_timeout',
    outcome,
    clientFingerprint: client,
    traceId: i.toString(16).padStart(32, '0'),
    spanId: i.toString(16).padStart(16, '0'),
  };
}

/** Fingerprint-shaped client IDs (12 hex). */
const client = (n: number) => n.toString(16).padStart(12, '0');

test('failure log: round trip answers the same; smaller bounds keep the newest failures and highest counters', () => {
  const log = new FailureLog({ ringSize: 10, topClients: 4 });
  // Client n of job a is rejected n times (1..6): a heavy tail the k=4 table must rank.
  let i = 0;
  for (let n = 1; n <= 6; n++) for (let r = 0; r < n; r++) log.record(span(i++, 'a', client(n)));
  for (let r = 0; r < 3; r++) log.record(span(i++, 'b', client(99), 'error')); // errors: ring only
  log.record(span(i++, 'b', client(7)));

  const restored = FailureLog.fromJSON({ ringSize: 10, topClients: 4 }, viaText(log.toJSON()));
  assert.deepEqual(restored.query({ limit: 100 }), log.query({ limit: 100 }));
  assert.deepEqual(restored.topClientTables(), log.topClientTables());
  assert.equal(restored.stats().recorded, i);

  // Both carry on alike: the heavy hitters keep their counters.
  for (const l of [log, restored]) {
    l.record(span(i, 'a', client(6)));
    l.record(span(i + 1, 'b', client(7)));
  }
  assert.deepEqual(restored.query({ limit: 100 }), log.query({ limit: 100 }));

  const small = FailureLog.fromJSON({ ringSize: 3, topClients: 2, maxJobs: 1 }, viaText(log.toJSON()));
  const q = small.query({ limit: 100 });
  assert.deepEqual(q.failures, log.query({ limit: 3 }).failures);
  // Only one job's table fits (the first saved, a); its two highest counters, which are the two
  // heaviest clients (6 and 5) within space-saving's bounds: count − error ≤ true count ≤ count.
  const saved = log.query({ job: 'a' }).topClients[0]!.clients;
  assert.deepEqual(q.topClients, [{ job: 'a', clients: saved.slice(0, 2) }]);
  const truth = new Map([[client(6), 7], [client(5), 5]]);
  for (const c of q.topClients[0]!.clients) {
    const t = truth.get(c.clientFingerprint);
    assert.ok(t !== undefined && c.count - c.error <= t && t <= c.count, JSON.stringify(c));
  }
});

test('space-saving restore keeps the k highest counters and a consistent offered total', () => {
  const t = SpaceSaving.restore(2, [{ item: 'x', count: 1, error: 0 }, { item: 'y', count: 9, error: 2 }, { item: 'z', count: 4, error: 0 }], 3);
  assert.deepEqual(t.top(), [{ item: 'y', count: 9, error: 2 }, { item: 'z', count: 4, error: 0 }]);
  assert.equal(t.offered, 11, 'at least the 7 + 4 events the counters guarantee');
  t.offer('w'); // takes over the smallest counter (z, 4)
  assert.deepEqual(t.top(), [{ item: 'y', count: 9, error: 2 }, { item: 'w', count: 5, error: 4 }]);
});

class Series implements SeriesSource {
  readonly map = new Map<string, AggregatedSeries>();
  series(): Iterable<AggregatedSeries> {
    return this.map.values();
  }
  verify(job: string, keyId: string, n: number): void {
    const key = `${job}|${keyId}`;
    this.map.set(key, {
      job,
      name: 'hmac.auth.verifications',
      promName: 'hmac_auth_verifications_total',
      attributes: { 'hmac.key_id': keyId, 'hmac.outcome': 'accepted' },
      kind: 'counter',
      value: (this.map.get(key)?.value ?? 0) + n,
    });
  }
}

test('key usage: round trip answers the same as the window moves on; a smaller cap keeps the most used entries', () => {
  const config = parseConfig({});
  const T0 = Date.UTC(2026, 0, 1);
  const MIN = 60_000;
  const src = new Series();
  const usage = new KeyUsage(config);
  usage.sample(src, T0);
  for (let m = 1; m <= 70; m++) {
    src.verify('api', 'k-new', m > 30 ? 9 : 1);
    src.verify('api', 'k-old', m > 30 ? 1 : 9);
    src.verify('jobs', 'k-old', 2);
    usage.sample(src, T0 + m * MIN);
  }
  const restored = KeyUsage.fromJSON(config, viaText(usage.toJSON()));
  assert.deepEqual(restored.response(src, T0 + 70 * MIN), usage.response(src, T0 + 70 * MIN));
  assert.deepEqual(restored.stats(), usage.stats());
  for (let m = 71; m <= 100; m++) {
    src.verify('api', 'k-new', 5);
    for (const u of [usage, restored]) u.sample(src, T0 + m * MIN);
    assert.deepEqual(restored.response(src, T0 + m * MIN), usage.response(src, T0 + m * MIN), `minute ${m}`);
  }

  // Cap of 2 entries: api/k-new (470 + …) and api/k-old outrank jobs/k-old (200).
  const capped = KeyUsage.fromJSON(config, viaText(usage.toJSON()), { maxEntries: 2 });
  const keys = capped.response(new Series(), T0 + 100 * MIN).keys;
  assert.deepEqual(keys.map((k) => [k.keyId, k.jobs]), [['k-new', ['api']], ['k-old', ['api']]]);

  // A shorter window (60 snapshots of a smaller step) thins the restored snapshots to it.
  const short = KeyUsage.fromJSON(parseConfig({ timeScale: 6 }), viaText(usage.toJSON())); // 1h → 10 min
  assert.ok(short.stats().snapshots <= 12, `snapshots ${short.stats().snapshots}`);
});

test('damaged sections are refused with a named error', () => {
  for (const bad of [null, 42, {}, { version: 2 }, { version: 1, recent: 'x' }]) {
    assert.throws(() => FailureLog.fromJSON({}, bad), FailureStateError);
    assert.throws(() => KeyUsage.fromJSON(parseConfig({}), bad), KeyUsageStateError);
  }
  const mismatched = { version: 1, sampled: true, entries: [['a', 'k']], lastRaw: [1], cum: [], snapshots: [] };
  assert.throws(() => KeyUsage.fromJSON(parseConfig({}), mismatched), /count arrays do not match/);
});
