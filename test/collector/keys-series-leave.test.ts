import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AggregatedSeries, SeriesSource } from '../../src/collector/model.js';
import { KeyUsage } from '../../src/collector/keys/index.js';
import { parseConfig } from '../../src/config/load.js';

/** One job verifying with key k1 under two versions (resource label service.version), and k1's status. */
class Versions implements SeriesSource {
  readonly map = new Map<string, AggregatedSeries>();
  series(): Iterable<AggregatedSeries> {
    return this.map.values();
  }
  verify(version: string, n: number, outcome = 'accepted'): void {
    const key = `v|${version}|${outcome}`;
    const prev = this.map.get(key)?.value ?? 0;
    const attributes = { 'hmac.scheme': 'stripe', 'hmac.key_id': 'k1', 'hmac.outcome': outcome, 'service.version': version };
    this.map.set(key, { job: 'api', name: 'hmac.auth.verifications', promName: 'hmac_auth_verifications_total', attributes, kind: 'counter', value: prev + n });
  }
  revoke(version: string): void {
    const attributes = { 'hmac.key_id': 'k1', 'hmac.key.status': 'revoked', 'service.version': version };
    this.map.set(`i|${version}`, { job: 'api', name: 'hmac.key.info', promName: 'hmac_key_info', attributes, kind: 'gauge', value: 1 });
  }
  drop(version: string): void {
    for (const k of [...this.map.keys()]) if (k.endsWith(`|${version}`) || k.includes(`|${version}|`)) this.map.delete(k);
  }
}

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;

test("key usage: a version's series leaving is no counter reset (the window counts exactly the verifications made)", () => {
  const config = parseConfig({});
  const usage = new KeyUsage(config);
  const src = new Versions();
  src.verify('1.0.0', 0);
  usage.sample(src, T0);
  src.verify('1.0.0', 100);
  src.verify('1.1.0', 40);
  usage.sample(src, T0 + MIN);
  src.drop('1.0.0');
  src.verify('1.1.0', 7);
  usage.sample(src, T0 + 2 * MIN);
  assert.equal(usage.response(src, T0 + 2 * MIN).keys.find((k) => k.keyId === 'k1')!.verifications, 147);
  // Across a restart too: the per-series readings are in the snapshot.
  const restored = KeyUsage.fromJSON(config, JSON.parse(JSON.stringify(usage.toJSON())));
  src.verify('1.1.0', 3);
  restored.sample(src, T0 + 3 * MIN);
  assert.equal(restored.response(src, T0 + 3 * MIN).keys.find((k) => k.keyId === 'k1')!.verifications, 150);
});

test('time to revoke: an old version leaving after the revocation does not read as the key presented again', () => {
  const usage = new KeyUsage(parseConfig({}));
  const src = new Versions();
  src.verify('1.0.0', 50);
  src.verify('1.1.0', 20);
  usage.sample(src, T0);
  src.revoke('1.1.0');
  usage.sample(src, T0 + MIN);
  src.drop('1.0.0');
  usage.sample(src, T0 + 2 * MIN);
  const k1 = usage.response(src, T0 + 2 * MIN).keys.find((k) => k.keyId === 'k1')!;
  assert.equal(k1.revokedAt, new Date(T0 + MIN).toISOString());
  assert.equal(k1.presentedAfterRevokeSeconds, 0);
  assert.equal(k1.lastPresentedAt, undefined);
});
