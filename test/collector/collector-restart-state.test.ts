/**
 * What the collector derives besides the metric totals survives a restart on a real process:
 * the recent-failure ring and top rejected clients (fed by the real OTel trace exporters, JSON and
 * protobuf), key usage (`/api/keys`, fed by real metric exporters) and the SLO windows and history.
 * A SIGKILL right after the pushes were answered loses none of it; neither does a SIGTERM. A
 * restart under smaller bounds trims the restored state; the state directory never holds a raw
 * client ID; a snapshot without these sections (or with damaged ones) still loads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ATTR, INSTRUMENTS } from '@hmac-slo/instrumentation/contract';
import { afterNextSample, parseExposition, seriesKey, startCollector, tempDir, type CollectorProcess } from '../support/collector.js';
import { Pusher } from './otel-pushers.js';
import { sendSpans } from './otel-spans.js';
import { fingerprintsIn } from './fingerprints.js';
import type { FailuresApiResponse, KeysApiResponse, SloApiResponse } from '../../src/collector/model.js';

const GAUGE = 'hmac_slo_collector_top_rejected_clients';
const RAW_CLIENTS = ['acme-partner-id-0001', 'globex-partner-id-02', 'initech-partner-id-3', 'hooli-partner-id-005', 'kms-victim-client-06', 'happy-client-id-0007'];


async function getJson<T>(c: CollectorProcess, path: string): Promise<T> {
  const res = await fetch(`${c.url}${path}`);
  assert.equal(res.status, 200, `${path}: ${res.status}`);
  return (await res.json()) as T;
}

async function exposition(c: CollectorProcess): Promise<Map<string, number>> {
  return parseExposition(await (await fetch(`${c.url}/metrics`)).text());
}

/** The top-rejected-clients gauge as `job fingerprint` → value. */
async function gauge(c: CollectorProcess): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const [k, v] of await exposition(c)) {
    if (!k.startsWith(`${GAUGE}{`)) continue;
    out.set(`${/job=([^,}]+)/.exec(k)![1]} ${/client_fingerprint=([0-9a-f]+)/.exec(k)![1]}`, v);
  }
  return out;
}

/** Every byte the collector keeps on disk, for the "no raw client ID" check. */
function stateBytes(dir: string): string {
  const state = join(dir, 'state');
  return readdirSync(state)
    .map((f) => readFileSync(join(state, f)).toString('latin1'))
    .join('\n');
}

test('failed spans: ring, top clients and their gauge survive SIGKILL and SIGTERM; smaller bounds trim them', async () => {
  const tmp = tempDir();
  const fp = fingerprintsIn(tmp.dir);
  const config = 'collector:\n  failures:\n    ringSize: 8\n    topClients: 3\n';
  let c = await startCollector({ dir: tmp.dir, configYaml: config });
  try {
    await sendSpans(c.url, 'json', 'payments', [
      { client: 'acme-partner-id-0001', outcome: 'rejected', reason: 'signature_mismatch', times: 5 },
      { client: 'globex-partner-id-02', outcome: 'rejected', reason: 'replay', times: 3 },
      { client: 'kms-victim-client-06', outcome: 'error', reason: 'kms_timeout', times: 2 },
      { client: 'happy-client-id-0007', outcome: 'accepted', times: 4 },
      { client: 'initech-partner-id-3', outcome: 'rejected', reason: 'unknown_key', keyId: 'k9', times: 1 },
    ]);
    await sendSpans(c.url, 'protobuf', 'billing', [{ client: 'acme-partner-id-0001', outcome: 'rejected', reason: 'revoked_key', keyId: 'k0', times: 2 }]);

    const before = await getJson<FailuresApiResponse>(c, '/api/failures?limit=100');
    // Written from what was sent: 13 failed spans (accepted ones are not failures), ring of 8, the
    // newest first — billing's two, then initech's, then the KMS errors and 3 of globex's replays.
    assert.equal(before.failures.length, 8);
    assert.deepEqual(
      before.failures.map((f) => `${f.job}:${f.reason}`),
      ['billing:revoked_key', 'billing:revoked_key', 'payments:unknown_key', 'payments:kms_timeout', 'payments:kms_timeout', 'payments:replay', 'payments:replay', 'payments:replay'],
    );
    assert.deepEqual(
      new Map(before.topClients.map((t) => [t.job, t.clients.map((x) => [x.clientFingerprint, x.count])])),
      new Map([
        ['billing', [[fp('acme-partner-id-0001'), 2]]],
        ['payments', [[fp('acme-partner-id-0001'), 5], [fp('globex-partner-id-02'), 3], [fp('initech-partner-id-3'), 1]]],
      ]),
    );
    const gaugeBefore = await gauge(c);
    assert.equal(gaugeBefore.get(`payments ${fp('acme-partner-id-0001')}`), 5);

    // SIGKILL straight after the answers: no snapshot holds these spans, only the push log.
    await c.kill();
    c = await startCollector({ dir: tmp.dir, configYaml: config });
    assert.deepEqual(await getJson<FailuresApiResponse>(c, '/api/failures?limit=100'), before, c.output());
    assert.deepEqual(await gauge(c), gaugeBefore);

    // More after the restart, then a graceful stop: the snapshot carries everything.
    await sendSpans(c.url, 'json', 'payments', [{ client: 'hooli-partner-id-005', outcome: 'rejected', reason: 'timestamp_skew', times: 1 }]);
    const second = await getJson<FailuresApiResponse>(c, '/api/failures?limit=100');
    assert.equal(second.failures.length, 8);
    assert.equal(second.failures[0]!.reason, 'timestamp_skew');
    assert.deepEqual(second.failures.slice(1), before.failures.slice(0, 7));
    const gaugeSecond = await gauge(c);
    assert.equal(await c.stop(), 0, c.output());
    const snapshot = JSON.parse(readFileSync(join(tmp.dir, 'state', 'state.json'), 'utf8')) as { failures?: unknown; keys?: unknown };
    assert.ok(snapshot.failures !== undefined && snapshot.keys !== undefined, 'the snapshot has the new sections');

    c = await startCollector({ dir: tmp.dir, configYaml: config });
    assert.deepEqual(await getJson<FailuresApiResponse>(c, '/api/failures?limit=100'), second);
    assert.deepEqual(await gauge(c), gaugeSecond);
    await c.kill();

    for (const raw of RAW_CLIENTS) assert.ok(!stateBytes(tmp.dir).includes(raw), `raw client ID ${raw} stored on disk`);

    // Restarted under smaller bounds: the ring of 3 shared fairly (each job's newest, payments 2 and
    // billing 1, as if it had run with 3: fair-ring.ts), the top 1 client per job.
    const small = 'collector:\n  failures:\n    ringSize: 3\n    topClients: 1\n';
    c = await startCollector({ dir: tmp.dir, configYaml: small });
    const trimmed = await getJson<FailuresApiResponse>(c, '/api/failures?limit=100');
    assert.deepEqual(trimmed.failures, [second.failures[0], second.failures[1], second.failures[3]]);
    assert.deepEqual(
      trimmed.topClients.map((t) => [t.job, t.clients.map((x) => [x.clientFingerprint, x.count])]),
      [
        ['billing', [[fp('acme-partner-id-0001'), 2]]],
        ['payments', [[fp('acme-partner-id-0001'), 5]]],
      ],
    );
    // The trimmed tables keep counting: acme stays on top of payments.
    await sendSpans(c.url, 'json', 'payments', [{ client: 'acme-partner-id-0001', outcome: 'rejected', reason: 'replay', times: 1 }]);
    assert.equal((await gauge(c)).get(`payments ${fp('acme-partner-id-0001')}`), 6);
  } finally {
    await c.stop();
    tmp.cleanup();
  }
});


test('key usage and SLO windows survive SIGKILL and SIGTERM; SLO history survives SIGTERM', async () => {
  const tmp = tempDir();
  let c = await startCollector({ dir: tmp.dir });
  try {
    const a = new Pusher({ url: c.url, protocol: 'json', temporality: 'cumulative', serviceName: 'payments', instance: 'p1' });
    const b = new Pusher({ url: c.url, protocol: 'protobuf', temporality: 'delta', serviceName: 'billing', instance: 'b1' });
    a.verifications.add(7, { [ATTR.keyId]: 'k1', [ATTR.outcome]: 'accepted' });
    a.verifications.add(2, { [ATTR.keyId]: 'k2', [ATTR.outcome]: 'accepted' });
    a.verifications.add(1, { [ATTR.keyId]: 'k2', [ATTR.outcome]: 'rejected', [ATTR.errorType]: 'signature_mismatch' });
    a.verifications.add(1, { [ATTR.keyId]: 'k2', [ATTR.outcome]: 'error', [ATTR.errorType]: 'kms_timeout' });
    await a.flush();
    b.verifications.add(4, { [ATTR.keyId]: 'k1', [ATTR.outcome]: 'accepted' });
    await b.flush();
    await Promise.all([a.shutdown(), b.shutdown()]);

    // Written from what was pushed: k1 11 (payments 7, billing 4), k2 4 (payments), of 15.
    const keys = await getJson<KeysApiResponse>(c, '/api/keys');
    const byKey = new Map(keys.keys.map((k) => [k.keyId, k]));
    assert.equal(byKey.get('k1')?.verifications, 11);
    assert.equal(byKey.get('k2')?.verifications, 4);
    assert.ok(Math.abs(byKey.get('k1')!.share - 11 / 15) < 1e-12);
    assert.deepEqual(byKey.get('k1')?.jobs, ['billing', 'payments']);
    await afterNextSample(c.url);
    const slo = (await getJson<SloApiResponse>(c, '/api/slo')).slos;
    // payments pushed 11 verifications: 1 rejected and 1 error are bad for auth-success.
    const success = slo.find((s) => s.job === 'payments' && s.slo === 'auth-success');
    const w5 = success?.windows.find((w) => w.window === '5m');
    assert.deepEqual([w5?.events, w5?.badEvents], [11, 2]);

    await c.kill();
    c = await startCollector({ dir: tmp.dir });
    // Time to revoke (lastAcceptedAt…) is observed at samples: pushes after the last sample get the
    // replay's sample time, so it is compared in test/collector/keys-usage.test.ts, not here.
    assert.deepEqual(withoutSampleTimes(await getJson<KeysApiResponse>(c, '/api/keys')), withoutSampleTimes(keys), c.output());
    assert.deepEqual((await getJson<SloApiResponse>(c, '/api/slo')).slos, slo);

    const pairs = slo.map((s) => `job=${encodeURIComponent(s.job)}&slo=${encodeURIComponent(s.slo)}`);
    const histories = await Promise.all(pairs.map((q) => getJson<{ points: unknown[] }>(c, `/api/slo/history?${q}`)));
    assert.equal(await c.stop(), 0, c.output());
    c = await startCollector({ dir: tmp.dir });
    assert.deepEqual(withoutSampleTimes(await getJson<KeysApiResponse>(c, '/api/keys')), withoutSampleTimes(keys));
    assert.deepEqual((await getJson<SloApiResponse>(c, '/api/slo')).slos, slo);
    for (const [i, q] of pairs.entries()) {
      const after = await getJson<{ points: unknown[] }>(c, `/api/slo/history?${q}`);
      // The restart's own first sample may open a new minute's point; everything before it stays.
      assert.deepEqual(after.points.slice(0, histories[i]!.points.length), histories[i]!.points, q);
      assert.ok(histories[i]!.points.length >= 1 && after.points.length <= histories[i]!.points.length + 1);
    }
  } finally {
    await c.stop();
    tmp.cleanup();
  }
});

test('a snapshot without the failure and key sections, or with damaged ones, still loads', async () => {
  const tmp = tempDir();
  let c = await startCollector({ dir: tmp.dir });
  const V = seriesKey(INSTRUMENTS.verifications.prometheus, { job: 'old', hmac_key_id: 'k1', hmac_outcome: 'accepted' });
  const snapPath = join(tmp.dir, 'state', 'state.json');
  const rewrite = (change: (s: Record<string, unknown>) => void) => {
    const s = JSON.parse(readFileSync(snapPath, 'utf8')) as Record<string, unknown>;
    change(s);
    writeFileSync(snapPath, JSON.stringify(s));
  };
  try {
    const p = new Pusher({ url: c.url, protocol: 'json', temporality: 'delta', serviceName: 'old', instance: 'o1' });
    p.verifications.add(5, { [ATTR.keyId]: 'k1', [ATTR.outcome]: 'accepted' });
    await p.flush();
    await sendSpans(c.url, 'json', 'old', [{ client: 'acme-partner-id-0001', outcome: 'rejected', reason: 'replay', times: 2 }]);
    assert.equal(await c.stop(), 0);

    // As the previous version wrote it: no `failures`, no `keys`.
    rewrite((s) => {
      delete s.failures;
      delete s.keys;
    });
    c = await startCollector({ dir: tmp.dir });
    assert.equal((await exposition(c)).get(V), 5, c.output());
    assert.deepEqual(await getJson<FailuresApiResponse>(c, '/api/failures'), { failures: [], causes: [], topClients: [] });
    assert.doesNotMatch(c.output(), /unreadable/);
    // Key usage starts afresh (the earlier counts are its baseline); new traffic counts.
    const q = new Pusher({ url: c.url, protocol: 'json', temporality: 'delta', serviceName: 'old', instance: 'o2' });
    q.verifications.add(3, { [ATTR.keyId]: 'k1', [ATTR.outcome]: 'accepted' });
    await q.flush();
    await Promise.all([p.shutdown(), q.shutdown()]);
    assert.equal((await getJson<KeysApiResponse>(c, '/api/keys')).keys.find((k) => k.keyId === 'k1')?.verifications, 3);
    assert.equal(await c.stop(), 0);

    // Damaged sections: reported, started empty; the aggregates are kept.
    rewrite((s) => {
      s.failures = { version: 1, recent: 'not a list' };
      s.keys = 42;
    });
    c = await startCollector({ dir: tmp.dir });
    assert.equal((await exposition(c)).get(V), 8, c.output());
    assert.match(c.output(), /failure log in the snapshot is unreadable/);
    assert.match(c.output(), /key usage in the snapshot is unreadable/);
    assert.deepEqual((await getJson<FailuresApiResponse>(c, '/api/failures')).failures, []);
    assert.equal(await c.stop(), 0);

    // A tampered ring: a raw client ID where a fingerprint belongs is never served.
    rewrite((s) => {
      s.failures = {
        version: 1,
        recorded: 1,
        untrackedJobs: 0,
        recent: [{ timeUnixMs: 1, job: 'old', name: 'hmac.verify', keyId: 'k1', reason: 'replay', outcome: 'rejected', clientFingerprint: 'acme-partner-id-0001', traceId: 'ab', spanId: 'cd' }],
        topClients: [{ job: 'old', offered: 1, clients: [['acme-partner-id-0001', 1, 0]] }],
      };
    });
    c = await startCollector({ dir: tmp.dir });
    const body = await (await fetch(`${c.url}/api/failures`)).text();
    assert.ok(!body.includes('acme-partner-id-0001'), body);
    assert.equal((JSON.parse(body) as FailuresApiResponse).failures.length, 1);
    assert.ok(!(await (await fetch(`${c.url}/metrics`)).text()).includes('acme-partner-id-0001'));
  } finally {
    await c.stop();
    tmp.cleanup();
  }
});

/** `/api/keys` without the time-to-revoke fields, which have the sample period's resolution. */
function withoutSampleTimes(r: KeysApiResponse): KeysApiResponse {
  return { ...r, keys: r.keys.map(({ lastAcceptedAt: _a, revokedAt: _r, lastPresentedAt: _p, presentedAfterRevokeSeconds: _s, acceptedAfterRevoke: _x, ...k }) => k) };
}
