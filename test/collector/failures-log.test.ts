import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { FailedSpan } from '../../src/collector/model.js';
import { FAILURE_CAUSE_NAMES } from '@hmac-slo/instrumentation/contract';
import { FailureLog, FailureQueryError, SpaceSaving, parseFailuresQuery, traceUrl, withTraceUrls } from '../../src/collector/failures/index.js';

const fp = (client: string) => createHash('sha256').update(client).digest('hex').slice(0, 12);

function span(i: number, over: Partial<FailedSpan> = {}): FailedSpan {
  return {
    timeUnixMs: 1_767_225_600_000 + i,
    job: 'api',
    name: 'hmac.verify',
    scheme: 'stripe',
    keyId: 'k1',
    reason: 'signature_mismatch',
    outcome: 'rejected',
    clientFingerprint: fp(`client-${i % 3}`),
    traceId: i.toString(16).padStart(32, '0'),
    spanId: i.toString(16).padStart(16, '0'),
    ...over,
  };
}

/** Deterministic PRNG so the skewed stream is the same on every run. */
function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('space-saving: on a skewed stream every heavy hitter is found and counts bracket the exact ones', () => {
  const k = 20;
  const ss = new SpaceSaving<string>(k);
  const exact = new Map<string, number>();
  const rand = mulberry32(42);
  // Zipf-like over 2,000 clients: client c has weight 1/(c+1)^1.2.
  const weights = Array.from({ length: 2000 }, (_, c) => 1 / (c + 1) ** 1.2);
  const cumulative: number[] = [];
  weights.reduce((acc, w, i) => (cumulative[i] = acc + w), 0);
  const totalWeight = cumulative[cumulative.length - 1]!;
  const N = 50_000;
  for (let i = 0; i < N; i++) {
    const r = rand() * totalWeight;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < r) lo = mid + 1;
      else hi = mid;
    }
    const item = `c${lo}`;
    ss.offer(item);
    exact.set(item, (exact.get(item) ?? 0) + 1);
  }
  const top = ss.top();
  assert.equal(top.length, k);
  assert.equal(ss.offered, N);
  for (const t of top) {
    const truth = exact.get(t.item) ?? 0;
    assert.ok(t.count - t.error <= truth && truth <= t.count, `${t.item}: ${t.count}-${t.error} vs ${truth}`);
  }
  const heavy = [...exact].filter(([, n]) => n > N / k).map(([item]) => item);
  assert.ok(heavy.length >= 3, 'the stream has heavy hitters');
  for (const item of heavy) assert.ok(top.some((t) => t.item === item), `${item} (${exact.get(item)}) missing`);
  // The true top 5 come out as the top 5, in order.
  const exactTop5 = [...exact].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([item]) => item);
  assert.deepEqual(top.slice(0, 5).map((t) => t.item), exactTop5);
  for (let i = 1; i < top.length; i++) assert.ok(top[i - 1]!.count >= top[i]!.count, 'sorted by count');
});

test('space-saving: a new item takes over the smallest counter and carries its count as error', () => {
  const ss = new SpaceSaving<string>(2);
  ss.offer('a', 5);
  ss.offer('b', 2);
  ss.offer('c');
  assert.deepEqual(ss.top(), [
    { item: 'a', count: 5, error: 0 },
    { item: 'c', count: 3, error: 2 },
  ]);
  assert.throws(() => new SpaceSaving(0), RangeError);
});

test('the ring keeps only the newest ringSize failures, newest first', () => {
  const log = new FailureLog({ ringSize: 10, topClients: 3 });
  for (let i = 0; i < 25; i++) log.record(span(i));
  const r = log.query({ limit: 100 });
  assert.equal(r.failures.length, 10);
  assert.deepEqual(
    r.failures.map((f) => f.timeUnixMs - 1_767_225_600_000),
    [24, 23, 22, 21, 20, 19, 18, 17, 16, 15],
  );
  assert.deepEqual(log.stats(), { recorded: 25, held: 10, jobsWithTopClients: 1, untrackedJobs: 0 });
  assert.equal(log.query().failures.length, 10);
  assert.equal(log.query({ limit: 4 }).failures.length, 4);
});

test('query filters by job and reason; top clients per job count rejected spans only', () => {
  const log = new FailureLog({ ringSize: 100, topClients: 5 });
  for (let i = 0; i < 12; i++) log.record(span(i)); // api: client-0/1/2 × 4 each
  log.record(span(100, { job: 'billing', reason: 'replay', clientFingerprint: fp('mallory') }));
  log.record(span(101, { job: 'billing', reason: 'replay', clientFingerprint: fp('mallory') }));
  log.record(span(102, { job: 'billing', reason: 'kms_timeout', outcome: 'error', clientFingerprint: fp('alice') }));

  const billing = log.query({ job: 'billing' });
  assert.equal(billing.failures.length, 3);
  assert.ok(billing.failures.every((f) => f.job === 'billing'));
  assert.deepEqual(billing.topClients, [{ job: 'billing', clients: [{ clientFingerprint: fp('mallory'), count: 2, error: 0 }] }]);

  const replays = log.query({ reason: 'replay' });
  assert.deepEqual(
    replays.failures.map((f) => f.timeUnixMs - 1_767_225_600_000),
    [101, 100],
  );
  assert.deepEqual(
    replays.topClients.map((t) => t.job),
    ['api', 'billing'],
  );
  const api = replays.topClients[0]!;
  assert.deepEqual(
    api.clients.map((c) => [c.clientFingerprint, c.count]).sort(),
    [
      [fp('client-0'), 4],
      [fp('client-1'), 4],
      [fp('client-2'), 4],
    ].sort(),
  );
  assert.deepEqual(log.query({ job: 'nobody' }), { failures: [], causes: [], topClients: [] });
});

test('invalid queries are refused with an error naming the parameter', () => {
  const log = new FailureLog();
  for (const limit of ['0', '-1', '1.5', 'ten', '1e3', '99999999999']) {
    assert.throws(() => parseFailuresQuery(new URLSearchParams({ limit })), (e: unknown) => e instanceof FailureQueryError && e.parameter === 'limit');
  }
  assert.throws(() => parseFailuresQuery({ reason: 'bogus' }), /reason: unknown failure reason "bogus"/);
  assert.throws(() => parseFailuresQuery({ job: 'x'.repeat(600) }), (e: unknown) => e instanceof FailureQueryError && e.parameter === 'job');
  assert.throws(() => log.query({ limit: Number.NaN }), FailureQueryError);
  assert.deepEqual(parseFailuresQuery(new URLSearchParams('job=api&reason=replay&limit=5')), { job: 'api', reason: 'replay', limit: 5 });
  assert.deepEqual(parseFailuresQuery(new URLSearchParams('job=&limit=')), { job: undefined, reason: undefined, limit: undefined });
  assert.equal(new FailureLog({ ringSize: 3 }).query({ limit: 1000 }).failures.length, 0, 'a large limit is capped, not refused');
});

test('since and until select the failures of a time range (GET /api/failures?since=&until=); inRange says where the ring starts', () => {
  const log = new FailureLog({ ringSize: 10 });
  const T = Date.UTC(2026, 0, 1);
  for (let i = 0; i < 8; i++) log.record(span(i, { timeUnixMs: T + i * 1000 }));
  const times = (q: Parameters<FailureLog['query']>[0]) => log.query(q).failures.map((f) => (f.timeUnixMs - T) / 1000);
  assert.deepEqual(times({ since: T + 2000, until: T + 5000 }), [5, 4, 3, 2]);
  assert.deepEqual(times({ since: T + 6000 }), [7, 6]);
  assert.deepEqual(times({ until: T + 1000 }), [1, 0]);
  assert.deepEqual(parseFailuresQuery(new URLSearchParams(`since=${T}&until=${T + 1}`)), { job: undefined, reason: undefined, limit: undefined, since: T, until: T + 1 });
  for (const since of ['-1', '1.5', 'yesterday', '1'.repeat(16)]) {
    assert.throws(() => parseFailuresQuery(new URLSearchParams({ since })), (e: unknown) => e instanceof FailureQueryError && e.parameter === 'since');
  }
  assert.throws(() => parseFailuresQuery({ since: '5', until: '4' }), (e: unknown) => e instanceof FailureQueryError && e.parameter === 'until');
  // It holds every failure it recorded: no start to state. Once it drops some, its oldest held time.
  assert.equal(log.inRange({ since: T }).heldFrom, null);
  for (let i = 8; i < 13; i++) log.record(span(i, { timeUnixMs: T + i * 1000 }));
  const held = log.inRange({ since: T, until: T + 60_000 });
  assert.deepEqual([held.heldFrom, held.failures.length], [T + 3000, 10]);
});

test('only the FailedSpan fields are stored, and a client ID that is not a fingerprint is dropped', () => {
  const log = new FailureLog();
  const leaky = {
    ...span(1, { clientFingerprint: 'client-secret-id', traceId: 'ZZ-not-hex', keyId: 'k'.repeat(1000) }),
    signature: 'v1=deadbeef',
    body: '{"amount":1}',
  } as FailedSpan;
  log.record(leaky);
  const [stored] = log.query().failures;
  assert.ok(stored);
  assert.deepEqual(Object.keys(stored).sort(), ['job', 'keyId', 'name', 'outcome', 'reason', 'scheme', 'spanId', 'timeUnixMs', 'traceId']);
  assert.equal(stored.traceId, '');
  assert.equal(stored.keyId.length, 256);
  assert.ok(!JSON.stringify(log.query()).includes('secret'));
  assert.deepEqual(log.query().topClients, [], 'no fingerprint, no top-client entry');
});

test('top-k tables are kept for a bounded number of jobs', () => {
  const log = new FailureLog({ maxJobs: 2, ringSize: 10 });
  for (const job of ['a', 'b', 'c']) log.record(span(1, { job }));
  assert.equal(log.stats().jobsWithTopClients, 2);
  assert.equal(log.stats().untrackedJobs, 1);
  assert.equal(log.query({ job: 'c' }).failures.length, 1, 'the ring still has it');
});

test('span times that cannot be believed become the receive time (or the snapshot time when loading)', () => {
  const received = 1_767_225_600_000;
  const log = new FailureLog({ maxSpanFutureMs: 60_000 });
  assert.equal(log.record(span(1, { timeUnixMs: received + 59_000 }), received), undefined, 'within the allowed skew');
  assert.equal(log.record(span(2, { timeUnixMs: received + 61_000 }), received), 'future');
  assert.equal(log.record(span(3, { timeUnixMs: 1e17 }), received), 'future'); // beyond what a Date holds
  assert.equal(log.record(span(4, { timeUnixMs: 0 }), received), 'past');
  assert.equal(log.record(span(5, { timeUnixMs: Number.NaN }), received), 'past');
  assert.deepEqual(
    log.query().failures.map((f) => f.timeUnixMs),
    [received, received, received, received, received + 59_000],
  );
  // A snapshot written before times were checked: its spans are checked against when it was saved.
  const old = new FailureLog();
  old.record(span(6, { timeUnixMs: 1e17 }));
  const restored = FailureLog.fromJSON({}, JSON.parse(JSON.stringify(old.toJSON())), received);
  assert.equal(restored.query().failures[0]!.timeUnixMs, received);
});

test('causes: the closed set is kept; any other value becomes other; a cause key ID only with signed_with_other_key, bounded', () => {
  const log = new FailureLog({ ringSize: 100 });
  for (const [i, cause] of FAILURE_CAUSE_NAMES.entries()) log.record(span(i, { cause }));
  const kept = log.query().failures.map((f) => f.cause).reverse();
  assert.deepEqual(kept, FAILURE_CAUSE_NAMES);
  const hostile = ['<img src=x onerror=alert(1)>', 'body_reserialized ', 'BODY_NOT_RAW', 'x'.repeat(100_000), '__proto__', 'constructor', 'toString', 'other'];
  for (const [i, cause] of hostile.entries()) log.record(span(100 + i, { cause }));
  assert.deepEqual(log.query({ limit: hostile.length }).failures.map((f) => f.cause), hostile.map(() => 'other'));
  // A span without a cause (an older wrapper, a reason diagnosis does not cover) keeps none.
  log.record(span(200, { cause: '' }));
  log.record(span(201));
  assert.deepEqual(log.query({ limit: 2 }).failures.map((f) => 'cause' in f), [false, false]);
  // The key ID the signature verified with: kept (bounded) with signed_with_other_key, dropped with any other cause.
  log.record(span(300, { cause: 'signed_with_other_key', causeKeyId: 'k-2026-08' }));
  log.record(span(301, { cause: 'signed_with_other_key', causeKeyId: 'k'.repeat(5000) }));
  log.record(span(302, { cause: 'secret_differs', causeKeyId: 'k-2026-08' }));
  const [other, long, withKey] = log.query({ limit: 3 }).failures;
  assert.deepEqual([withKey!.cause, withKey!.causeKeyId], ['signed_with_other_key', 'k-2026-08']);
  assert.equal(long!.causeKeyId!.length, 256);
  assert.equal(other!.causeKeyId, undefined);
  assert.ok(!JSON.stringify(log.query()).includes('onerror'), 'a hostile cause is never served');
});

test('the per-job cause summary counts every held failure the job and reason filters select, most frequent first', () => {
  const log = new FailureLog({ ringSize: 100 });
  for (let i = 0; i < 41; i++) log.record(span(i, { job: 'payments-api', cause: 'body_reserialized' }));
  for (let i = 0; i < 9; i++) log.record(span(100 + i, { job: 'payments-api', cause: 'secret_differs' }));
  log.record(span(200, { job: 'payments-api', reason: 'missing_signature' })); // no cause: not in the summary
  log.record(span(201, { job: 'webhooks', reason: 'digest_mismatch', cause: 'body_whitespace' }));
  log.record(span(202, { job: 'webhooks', cause: 'signed_with_other_key', causeKeyId: 'k-old' }));

  const all = log.query({ limit: 1 });
  assert.equal(all.failures.length, 1, 'the limit applies to the list, not to the summary');
  assert.deepEqual(all.causes, [
    { job: 'payments-api', total: 50, causes: [{ cause: 'body_reserialized', count: 41, share: 0.82 }, { cause: 'secret_differs', count: 9, share: 0.18 }] },
    { job: 'webhooks', total: 2, causes: [{ cause: 'body_whitespace', count: 1, share: 0.5 }, { cause: 'signed_with_other_key', count: 1, share: 0.5 }] },
  ]);
  assert.deepEqual(log.query({ job: 'webhooks', reason: 'digest_mismatch' }).causes, [
    { job: 'webhooks', total: 1, causes: [{ cause: 'body_whitespace', count: 1, share: 1 }] },
  ]);
  // The summary covers the ring: failures that left it leave the summary.
  const small = new FailureLog({ ringSize: 3 });
  for (let i = 0; i < 5; i++) small.record(span(i, { cause: i < 2 ? 'body_base64' : 'secret_format' }));
  assert.deepEqual(small.query().causes, [{ job: 'api', total: 3, causes: [{ cause: 'secret_format', count: 3, share: 1 }] }]);
});

test('causes survive a snapshot; a failure log saved before causes existed still loads', () => {
  const log = new FailureLog();
  log.record(span(1, { cause: 'signed_with_other_key', causeKeyId: 'k-2026-08' }));
  log.record(span(2, { cause: 'body_not_raw', reason: 'internal_error', outcome: 'error' }));
  const restored = FailureLog.fromJSON({}, JSON.parse(JSON.stringify(log.toJSON())));
  assert.deepEqual(restored.query(), log.query());
  assert.equal(restored.query().failures[1]!.causeKeyId, 'k-2026-08');

  // The on-disk form of a log written before causes (version 1, no cause fields).
  const before = { version: 1, recent: [span(3), span(4)], recorded: 2, untrackedJobs: 0, topClients: [] };
  const old = FailureLog.fromJSON({}, JSON.parse(JSON.stringify(before)));
  assert.equal(old.query().failures.length, 2);
  assert.ok(old.query().failures.every((f) => f.cause === undefined));
  assert.deepEqual(old.query().causes, []);
  // A tampered snapshot cannot smuggle a cause in either.
  const tampered = FailureLog.fromJSON({}, { ...before, recent: [{ ...span(5), cause: '<script>', causeKeyId: 'x' }] });
  assert.deepEqual([tampered.query().failures[0]!.cause, tampered.query().failures[0]!.causeKeyId], ['other', undefined]);
});

test('trace links: the template gets the span\'s IDs, URL-encoded; no template or no trace ID, no link', () => {
  const s = span(0xab);
  assert.equal(traceUrl('http://localhost:16686/trace/{traceId}', s), `http://localhost:16686/trace/${s.traceId}`);
  assert.equal(traceUrl('https://t.example/x?trace={traceId}&span={spanId}', s), `https://t.example/x?trace=${s.traceId}&span=${s.spanId}`);
  assert.equal(traceUrl('', s), undefined);
  assert.equal(traceUrl('http://t/{traceId}', { traceId: '', spanId: '' }), undefined);
  assert.equal(traceUrl('http://t/{traceId}', { traceId: 'a b/../?#', spanId: '' }), 'http://t/a%20b%2F..%2F%3F%23', 'encoded, should an ID ever not be hex');
  const log = new FailureLog();
  log.record(span(1));
  log.record(span(2, { traceId: 'not hex' }));
  const linked = withTraceUrls(log.query(), 'http://jaeger:16686/trace/{traceId}');
  assert.deepEqual(linked.failures.map((f) => f.traceUrl), [undefined, `http://jaeger:16686/trace/${span(1).traceId}`]);
  assert.equal(withTraceUrls(log.query(), '').failures[1]!.traceUrl, undefined);
  assert.ok(!('traceUrl' in withTraceUrls(log.query(), '').failures[1]!));
});

test('inRange: heldFrom is not pulled back by a held failure dated earlier than one the ring dropped (a late or back-dated span)', () => {
  const log = new FailureLog({ ringSize: 3 });
  const T = Date.UTC(2026, 0, 1);
  log.record(span(0, { timeUnixMs: T + 10_000 })); // dropped below
  log.record(span(1, { timeUnixMs: Date.UTC(2001, 0, 1) })); // a pusher's clock (or a late batch) far behind
  log.record(span(2, { timeUnixMs: T + 11_000 }));
  log.record(span(3, { timeUnixMs: T + 12_000 }));
  const r = log.inRange({ since: T, until: T + 60_000 });
  assert.equal(r.failures.length, 2);
  // The failure at T+10s is gone: the log cannot claim to hold everything since 2001 (nor since T).
  assert.ok(r.heldFrom !== null && r.heldFrom > T + 10_000, `heldFrom ${r.heldFrom === null ? null : new Date(r.heldFrom).toISOString()}`);
  assert.equal(r.heldFrom, T + 11_000, 'the oldest held failure after every dropped one');
  // And it survives a snapshot.
  const restored = FailureLog.fromJSON({ ringSize: 3 }, JSON.parse(JSON.stringify(log.toJSON())));
  assert.equal(restored.inRange({ since: T }).heldFrom, T + 11_000);
  // A ring shrunk on restore drops its oldest: they count as dropped too.
  const shrunk = FailureLog.fromJSON({ ringSize: 1 }, JSON.parse(JSON.stringify(log.toJSON())));
  assert.equal(shrunk.inRange({ since: T }).heldFrom, T + 12_000);
});

test('inRange: a snapshot saved before droppedUntil existed still says the log starts at its oldest held failure', () => {
  const T = Date.UTC(2026, 0, 1);
  const log = new FailureLog({ ringSize: 2 });
  for (let i = 0; i < 4; i++) log.record(span(i, { timeUnixMs: T + i * 1000 }));
  const { droppedUntil, droppedUntilByJob, ...old } = log.toJSON();
  assert.deepEqual([droppedUntil, droppedUntilByJob], [undefined, [['api', T + 1000]]]);
  assert.equal(FailureLog.fromJSON({ ringSize: 2 }, old).inRange({}).heldFrom, T + 2000);
  assert.equal(FailureLog.fromJSON({ ringSize: 2 }, old).inRange({ job: 'api' }).heldFrom, T + 2000);
});

test('inRange: a tampered droppedUntil in a snapshot is believed no further than a span time', () => {
  const T = Date.UTC(2026, 0, 1);
  const log = new FailureLog({ ringSize: 2 });
  for (let i = 0; i < 4; i++) log.record(span(i, { timeUnixMs: T + i * 1000 }));
  for (const state of [
    { ...log.toJSON(), droppedUntil: 1e300, droppedUntilByJob: [['api', 1e300]] },
    { ...log.toJSON(), droppedUntil: 1e300, droppedUntilByJob: undefined }, // a single ring's snapshot
  ]) {
    const restored = FailureLog.fromJSON({ ringSize: 2, maxSpanFutureMs: 60_000 }, state, T + 5000);
    for (const job of [undefined, 'api']) {
      const heldFrom = restored.inRange({ job }).heldFrom;
      assert.equal(heldFrom, T + 65_001);
      assert.ok(!Number.isNaN(new Date(heldFrom!).getTime()));
    }
  }
});

test('a parameter given twice (since=1&since=9999) is refused, not read as the first one', () => {
  for (const name of ['since', 'until', 'limit', 'job', 'reason']) {
    assert.throws(() => parseFailuresQuery(new URLSearchParams([[name, '1'], [name, '2']])), (e: unknown) => e instanceof FailureQueryError && e.parameter === name && /more than once/.test(e.message), name);
  }
  assert.deepEqual(parseFailuresQuery(new URLSearchParams('since=1&until=2')).until, 2);
});
