import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AggregatedSeries, SeriesSource } from '../../src/collector/model.js';
import { KeyUsage } from '../../src/collector/keys/index.js';
import { parseConfig } from '../../src/config/load.js';

class Series implements SeriesSource {
  readonly map = new Map<string, AggregatedSeries>();
  series(): Iterable<AggregatedSeries> {
    return this.map.values();
  }
  verify(job: string, keyId: string, n: number, outcome = 'accepted'): void {
    const key = `v|${job}|${keyId}|${outcome}`;
    const prev = this.map.get(key)?.value ?? 0;
    this.map.set(key, {
      job,
      name: 'hmac.auth.verifications',
      promName: 'hmac_auth_verifications_total',
      attributes: { 'hmac.scheme': 'stripe', 'hmac.key_id': keyId, 'hmac.outcome': outcome },
      kind: 'counter',
      value: prev + n,
    });
  }
  declare(job: string, keyId: string, status: string, value = 1): void {
    this.map.set(`i|${job}|${keyId}|${status}`, {
      job,
      name: 'hmac.key.info',
      promName: 'hmac_key_info',
      attributes: { 'hmac.key_id': keyId, 'hmac.key.status': status },
      kind: 'gauge',
      value,
    });
  }
}

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;
const iso = (afterT0Ms: number) => new Date(T0 + afterT0Ms).toISOString();

test('key status, share of recent traffic and the jobs still using each key', () => {
  const usage = new KeyUsage(parseConfig({}));
  const src = new Series();
  // Before the window: k-old carried everything.
  src.verify('api', 'k-old', 10_000);
  src.verify('billing', 'k-old', 5_000);
  src.declare('api', 'k-old', 'retiring');
  src.declare('billing', 'k-old', 'active'); // billing has not picked up the rotation yet
  src.declare('api', 'k-new', 'active');
  src.declare('api', 'k-gone', 'revoked');
  usage.sample(src, T0);
  for (let i = 1; i <= 90; i++) {
    // Over the last hour (minutes 31..90): api 90 k-new + 10 k-old a minute, billing 20 k-old,
    // and 2 a minute against keys nobody declared.
    src.verify('api', 'k-new', 90);
    src.verify('api', 'k-old', 10);
    src.verify('billing', 'k-old', 20);
    src.verify('api', 'unknown', 1, 'rejected');
    src.verify('api', 'other', 1, 'rejected');
    usage.sample(src, T0 + i * MIN);
  }
  const r = usage.response(src, T0 + 90 * MIN);
  const total = 60 * (90 + 10 + 20 + 1 + 1);
  assert.equal(r.window, '1h');
  assert.deepEqual(r.keys, [
    { keyId: 'k-new', status: 'active', share: (60 * 90) / total, verifications: 60 * 90, jobs: ['api'], lastAcceptedAt: iso(90 * MIN) },
    // Declared retiring by one job and active by another: the rotation has begun, retiring wins.
    { keyId: 'k-old', status: 'retiring', share: (60 * 30) / total, verifications: 60 * 30, jobs: ['api', 'billing'], lastAcceptedAt: iso(90 * MIN) },
    // Revoked since the first sample and never presented since.
    { keyId: 'k-gone', status: 'revoked', share: 0, verifications: 0, jobs: [], revokedAt: iso(0), presentedAfterRevokeSeconds: 0, acceptedAfterRevoke: false },
    { keyId: 'other', status: 'undeclared', share: 60 / total, verifications: 60, jobs: ['api'] },
    { keyId: 'unknown', status: 'undeclared', share: 60 / total, verifications: 60, jobs: ['api'] },
  ]);
  const shareSum = r.keys.reduce((s, k) => s + k.share, 0);
  assert.ok(Math.abs(shareSum - 1) < 1e-12);
});

test('unknown/other are never declared; no traffic gives zero shares; a reset is new traffic', () => {
  const usage = new KeyUsage(parseConfig({ timeScale: 60 })); // 1h → 60 s
  const src = new Series();
  src.declare('api', 'unknown', 'active');
  src.declare('api', 'k1', 'active');
  src.declare('api', 'k2', 'active', 0); // a zero gauge declares nothing
  src.verify('api', 'k1', 0);
  usage.sample(src, T0);
  let r = usage.response(src, T0 + 1000);
  assert.deepEqual(r.keys, [
    { keyId: 'k1', status: 'active', share: 0, verifications: 0, jobs: [] },
  ]);
  src.verify('api', 'k1', 500);
  usage.sample(src, T0 + 10_000);
  src.map.set('v|api|k1|accepted', { ...src.map.get('v|api|k1|accepted')!, value: 30 }); // reset
  usage.sample(src, T0 + 20_000);
  r = usage.response(src, T0 + 20_000);
  // Up for less than the (scaled) window: counted since the first sample. 500, then 500 → 30 is a
  // reset, so the 30 are new verifications, not −470.
  assert.equal(r.keys[0]!.verifications, 530);
  // After a full scaled window, only what happened within it counts (window start: the T0 + 20 s snapshot).
  src.verify('api', 'k1', 7);
  usage.sample(src, T0 + 80_000);
  r = usage.response(src, T0 + 80_000);
  assert.equal(r.keys[0]!.verifications, 7);
});

test('snapshots stay bounded however long it runs', () => {
  const usage = new KeyUsage(parseConfig({}));
  const src = new Series();
  for (let i = 0; i < 24 * 60 * 4; i++) {
    src.verify('api', 'k1', 1);
    usage.sample(src, T0 + i * 15_000);
  }
  assert.ok(usage.stats().snapshots <= 62, `${usage.stats().snapshots} snapshots`);
  // One verification per 15 s: 240 an hour; the window start sits on a one-minute snapshot at or
  // before now − 1h, so up to 4 more.
  const v = usage.response(src, T0 + (24 * 60 * 4 - 1) * 15_000).keys[0]!.verifications;
  assert.ok(v >= 240 && v <= 244, `${v}`);
});

test('the number of tracked (job, key) pairs is capped', () => {
  const usage = new KeyUsage(parseConfig({}), { maxEntries: 2 });
  const src = new Series();
  usage.sample(src, T0);
  for (const k of ['a', 'b', 'c']) src.verify('api', k, 5);
  usage.sample(src, T0 + MIN);
  assert.equal(usage.stats().untrackedEntries, 1);
  assert.deepEqual(
    usage.response(src, T0 + MIN).keys.map((k) => [k.keyId, k.verifications]),
    [
      ['a', 5],
      ['b', 5],
    ],
  );
});

test('the window and the entry cap come from collector.keys', () => {
  const usage = new KeyUsage(parseConfig({ collector: { keys: { usageWindow: '10m', maxEntries: 1 } } }));
  assert.equal(usage.windowName, '10m');
  const src = new Series();
  src.declare('api', 'k1', 'active');
  src.verify('api', 'k1', 5);
  src.verify('jobs', 'k1', 5);
  usage.sample(src, T0);
  assert.equal(usage.stats().untrackedEntries, 1);
});

test('time to revoke: when a revoked key was last presented and last accepted, kept across a snapshot', () => {
  const config = parseConfig({});
  const usage = new KeyUsage(config);
  const src = new Series();
  src.declare('api', 'k-leaked', 'active');
  src.verify('api', 'k-leaked', 100);
  usage.sample(src, T0);
  // Minute 1-3: still accepted. Revoked at minute 4 (the ring says so); one replica missed it and
  // accepts once more at minute 5; rejected as revoked_key until minute 9; then silence.
  for (let m = 1; m <= 3; m++) {
    src.verify('api', 'k-leaked', 10);
    usage.sample(src, T0 + m * MIN);
  }
  src.declare('api', 'k-leaked', 'active', 0);
  src.declare('api', 'k-leaked', 'revoked');
  usage.sample(src, T0 + 4 * MIN);
  src.verify('api', 'k-leaked', 1);
  usage.sample(src, T0 + 5 * MIN);
  for (let m = 6; m <= 9; m++) {
    src.verify('api', 'k-leaked', 3, 'rejected');
    usage.sample(src, T0 + m * MIN);
  }
  for (let m = 10; m <= 15; m++) usage.sample(src, T0 + m * MIN);
  const key = (u: KeyUsage) => u.response(src, T0 + 15 * MIN).keys.find((k) => k.keyId === 'k-leaked')!;
  assert.deepEqual(
    { ...key(usage), share: undefined, verifications: undefined, jobs: undefined },
    {
      keyId: 'k-leaked', status: 'revoked', share: undefined, verifications: undefined, jobs: undefined,
      revokedAt: iso(4 * MIN), lastPresentedAt: iso(9 * MIN), presentedAfterRevokeSeconds: 300,
      acceptedAfterRevoke: true, lastAcceptedAt: iso(5 * MIN),
    },
  );
  // The snapshot round trip keeps it (a collector restart does not forget a revocation).
  const restored = KeyUsage.fromJSON(config, JSON.parse(JSON.stringify(usage.toJSON())));
  assert.deepEqual(key(restored), key(usage));
  // A snapshot written before time to revoke existed still loads.
  const { revocations: _dropped, ...old } = usage.toJSON();
  assert.equal(KeyUsage.fromJSON(config, old).response(src, T0 + 15 * MIN).keys[0]!.revokedAt, undefined);
});

test('time to revoke: a job whose series expire (decommissioned, renamed) is not the key being presented or accepted again', () => {
  const config = parseConfig({});
  const usage = new KeyUsage(config);
  const src = new Series();
  for (const job of ['api', 'legacy']) {
    src.declare(job, 'k-leaked', 'active');
    src.verify(job, 'k-leaked', 100);
  }
  usage.sample(src, T0);
  src.verify('api', 'k-leaked', 10);
  src.verify('legacy', 'k-leaked', 10);
  usage.sample(src, T0 + MIN);
  src.declare('api', 'k-leaked', 'active', 0);
  src.declare('api', 'k-leaked', 'revoked');
  usage.sample(src, T0 + 2 * MIN);
  // Nobody presents the key any more. `legacy` stops pushing and its series expire (seriesTtl): the
  // key's total over all jobs goes down, which is not a counter restart of new traffic.
  usage.sample(src, T0 + 3 * MIN);
  for (const k of [...src.map.keys()]) if (k.includes('|legacy|')) src.map.delete(k);
  usage.sample(src, T0 + 4 * MIN);
  usage.sample(src, T0 + 5 * MIN);
  const key = usage.response(src, T0 + 5 * MIN).keys.find((k) => k.keyId === 'k-leaked')!;
  assert.deepEqual(
    { revokedAt: key.revokedAt, lastPresentedAt: key.lastPresentedAt, presentedAfterRevokeSeconds: key.presentedAfterRevokeSeconds, acceptedAfterRevoke: key.acceptedAfterRevoke, lastAcceptedAt: key.lastAcceptedAt },
    { revokedAt: iso(2 * MIN), lastPresentedAt: undefined, presentedAfterRevokeSeconds: 0, acceptedAfterRevoke: false, lastAcceptedAt: iso(MIN) },
  );
  // A job that comes back with totals resumed (the collector remembers expired totals) is not new traffic either.
  src.verify('legacy', 'k-leaked', 110);
  usage.sample(src, T0 + 6 * MIN);
  assert.equal(usage.response(src, T0 + 6 * MIN).keys.find((k) => k.keyId === 'k-leaked')!.acceptedAfterRevoke, false);
  // A snapshot of the one-total-per-key format loads; its next sample is a baseline, not new traffic.
  const state = usage.toJSON();
  const old = { ...state, revocations: state.revocations!.map(({ readings: _r, ...e }) => ({ ...e, total: 330, accepted: 330 })) };
  const restored = KeyUsage.fromJSON(config, JSON.parse(JSON.stringify(old)));
  restored.sample(src, T0 + 7 * MIN);
  assert.equal(restored.response(src, T0 + 7 * MIN).keys.find((k) => k.keyId === 'k-leaked')!.acceptedAfterRevoke, false);
});

test('time to revoke: a revocation undone (the key ring says active again) is no longer a revocation', () => {
  const usage = new KeyUsage(parseConfig({}));
  const src = new Series();
  src.declare('api', 'k1', 'active');
  src.verify('api', 'k1', 100);
  usage.sample(src, T0);
  // Revoked by mistake at minute 1, active again at minute 2, then accepted as it should be.
  src.declare('api', 'k1', 'active', 0);
  src.declare('api', 'k1', 'revoked');
  usage.sample(src, T0 + MIN);
  assert.equal(usage.response(src, T0 + MIN).keys[0]!.revokedAt, iso(MIN));
  src.declare('api', 'k1', 'revoked', 0);
  src.declare('api', 'k1', 'active');
  usage.sample(src, T0 + 2 * MIN);
  src.verify('api', 'k1', 10);
  usage.sample(src, T0 + 3 * MIN);
  const key = usage.response(src, T0 + 3 * MIN).keys[0]!;
  assert.equal(key.status, 'active');
  assert.deepEqual(
    { revokedAt: key.revokedAt, acceptedAfterRevoke: key.acceptedAfterRevoke, lastAcceptedAt: key.lastAcceptedAt },
    { revokedAt: undefined, acceptedAfterRevoke: undefined, lastAcceptedAt: iso(3 * MIN) },
  );
  // Revoked again later: timed from then.
  src.declare('api', 'k1', 'active', 0);
  src.declare('api', 'k1', 'revoked');
  usage.sample(src, T0 + 4 * MIN);
  assert.equal(usage.response(src, T0 + 4 * MIN).keys[0]!.revokedAt, iso(4 * MIN));
});
