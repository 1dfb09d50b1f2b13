/**
 * A pusher cannot mint label values on the contract's instruments: every attribute the contract
 * gives a closed set of values (`hmac.outcome`, `error.type`, `hmac.failure.cause`,
 * `hmac.replay.result`, `hmac.key.status`, `hmac.client.state`) shows only those values, or
 * `other`, in /metrics and /api/failures, whatever was pushed (the real OpenTelemetry SDK and OTLP
 * exporters, to a real collector); each replacement is counted, the points' values are kept under
 * the replaced label (cumulative pushes too), and other metrics pass as sent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OTLPMetricExporter as JsonExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { Attributes } from '@opentelemetry/api';
import { ATTR, CLIENT_STATES, FAILURE_CAUSE_NAMES, FAILURE_REASON_NAMES, INSTRUMENTS, KEY_STATUSES, OUTCOMES, REPLAY_RESULTS, promLabel } from '@hmac-slo/instrumentation/contract';
import type { FailuresApiResponse } from '../../src/collector/model.js';
import { collectorPerFile, parseExposition, seriesKey, startCollector, tempDir } from '../support/collector.js';
import { sendSpans } from './otel-spans.js';

const collector = collectorPerFile();

const LONG = 'x'.repeat(10_000);
/** An unknown reason, prototype keys, a 10 KB string and an empty string. */
const HOSTILE = ['no_such_reason', '__proto__', 'constructor', LONG, ''];

/** Label → the values the contract allows it on its instruments (plus the collector's `other`). */
const ALLOWED = new Map<string, ReadonlySet<string>>(
  (
    [
      [ATTR.outcome, OUTCOMES],
      [ATTR.errorType, FAILURE_REASON_NAMES],
      [ATTR.failureCause, FAILURE_CAUSE_NAMES],
      [ATTR.replayResult, REPLAY_RESULTS],
      [ATTR.keyStatus, KEY_STATUSES],
      [ATTR.clientState, CLIENT_STATES],
    ] as const
  ).map(([attr, values]) => [promLabel(attr), new Set<string>([...values, 'other'])]),
);
const CONTRACT_FAMILIES = Object.values(INSTRUMENTS).map((i) => i.prometheus);

/** The collector's /metrics now, and a real MeterProvider pushing `job` to it (cumulative, the SDK's default), one export per `flush()`. */
async function pusher(job: string, protocol: 'json' | 'protobuf', url = collector().url) {
  const before = (await exposition(url)).series;
  const exporter = protocol === 'json' ? new JsonExporter({ url: `${url}/v1/metrics` }) : new ProtoExporter({ url: `${url}/v1/metrics` });
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': job, 'service.instance.id': `${job}-1` }), readers: [reader] });
  return { url, before, meter: provider.getMeter('closed-values-test'), meterNamed: (name: string) => provider.getMeter(name), flush: () => reader.forceFlush(), shutdown: () => provider.shutdown() };
}

async function exposition(url: string): Promise<{ text: string; series: Map<string, number> }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return { text, series: parseExposition(text) };
}

const unrecognized = (series: Map<string, number>, attribute: string) =>
  series.get(seriesKey('hmac_slo_collector_unrecognized_attribute_values_total', { attribute })) ?? 0;

/** A job's series of one family, keyed by the given labels' values (`label=value,...`, absent labels left out). */
function byLabels(series: Map<string, number>, family: string, job: string, labels: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of series) {
    if (!key.startsWith(`${family}{`) || !key.includes(`job=${job}`)) continue;
    const pairs = key.slice(family.length + 1, -1).split(',');
    const id = labels.flatMap((l) => pairs.filter((p) => p.startsWith(`${l}=`))).join(',');
    out[id] = (out[id] ?? 0) + value;
  }
  return out;
}

test('hostile values of closed-set attributes on the contract instruments are kept as other in /metrics, counted by attribute, their values kept (cumulative, two pushes)', async () => {
  const job = 'hostile-metrics';
  const { url, before, meter, flush, shutdown } = await pusher(job, 'protobuf');
  const base = { [ATTR.scheme]: 'stripe', [ATTR.keyId]: 'k1' };
  const verifications = meter.createCounter(INSTRUMENTS.verifications.name, { unit: INSTRUMENTS.verifications.unit });
  const causes = meter.createCounter(INSTRUMENTS.failureCauses.name, { unit: INSTRUMENTS.failureCauses.unit });
  const replay = meter.createCounter(INSTRUMENTS.replayChecks.name, { unit: INSTRUMENTS.replayChecks.unit });
  const gauges: Record<'keyInfo' | 'authClients', Array<[number, Attributes]>> = {
    keyInfo: [[1, { [ATTR.keyId]: 'k-ok', [ATTR.keyStatus]: 'active' }], ...HOSTILE.map((h, i): [number, Attributes] => [1, { [ATTR.keyId]: `k${i}`, [ATTR.keyStatus]: h }])],
    authClients: [[3, { [ATTR.scheme]: 'stripe', [ATTR.clientState]: 'active' }], ...HOSTILE.map((h): [number, Attributes] => [2, { [ATTR.scheme]: 'stripe', [ATTR.clientState]: h }])],
  };
  for (const g of ['keyInfo', 'authClients'] as const) {
    meter.createObservableGauge(INSTRUMENTS[g].name, { unit: INSTRUMENTS[g].unit }).addCallback((r) => {
      for (const [v, a] of gauges[g]) r.observe(v, a);
    });
  }
  const rejected = (reason: string) => ({ ...base, [ATTR.outcome]: 'rejected', [ATTR.errorType]: reason });
  verifications.add(10, rejected('signature_mismatch'));
  for (const h of HOSTILE) verifications.add(1, rejected(h)); // error.type → other (5)
  verifications.add(2, { ...base, [ATTR.outcome]: 'accepted', [ATTR.errorType]: 'signature_mismatch' }); // accepted has no reason → other
  verifications.add(3, rejected('kms_timeout')); // a reason of outcome error on a rejected point → other
  for (const h of HOSTILE) verifications.add(1, { ...base, [ATTR.outcome]: h }); // hmac.outcome → other (5)
  verifications.add(4, { ...rejected('replay'), error_type: 'evil-alias' }); // another spelling of error.type: removed
  for (const h of HOSTILE) causes.add(1, { ...base, [ATTR.errorType]: h, [ATTR.failureCause]: 'body_reserialized' });
  for (const h of HOSTILE) causes.add(1, { ...base, [ATTR.errorType]: 'signature_mismatch', [ATTR.failureCause]: h });
  replay.add(7, { [ATTR.scheme]: 'stripe', [ATTR.replayResult]: 'fresh' });
  for (const h of HOSTILE) replay.add(1, { [ATTR.scheme]: 'stripe', [ATTR.replayResult]: h });
  try {
    await flush();
    const first = await exposition(url);
    for (const h of ['no_such_reason', 'xxxxxxxxxx', 'evil-alias', '"__proto__"', '"constructor"']) assert.ok(!first.text.includes(h), `${h} in /metrics`);
    // Every closed label of every contract family of the job has an allowed value.
    for (const key of first.series.keys()) {
      const family = key.slice(0, key.indexOf('{'));
      if (!key.includes(`job=${job}`) || !CONTRACT_FAMILIES.some((f) => family === f || family.startsWith(`${f}_`))) continue;
      for (const pair of key.slice(family.length + 1, -1).split(',')) {
        const [label, value] = [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)];
        const allowed = ALLOWED.get(label);
        if (allowed) assert.ok(allowed.has(value), `${key}: ${label}=${value.slice(0, 40)}`);
      }
    }
    const v = 'hmac_auth_verifications_total';
    assert.deepEqual(byLabels(first.series, v, job, ['error_type', 'hmac_outcome']), {
      'error_type=signature_mismatch,hmac_outcome=rejected': 10,
      'error_type=other,hmac_outcome=rejected': 5 + 3,
      'error_type=other,hmac_outcome=accepted': 2,
      'hmac_outcome=other': 5,
      'error_type=replay,hmac_outcome=rejected': 4,
    });
    assert.deepEqual(byLabels(first.series, 'hmac_auth_failure_causes_total', job, ['error_type', 'hmac_failure_cause']), {
      'error_type=other,hmac_failure_cause=body_reserialized': 5,
      'error_type=signature_mismatch,hmac_failure_cause=other': 5,
    });
    assert.deepEqual(byLabels(first.series, 'hmac_replay_checks_total', job, ['hmac_replay_result']), { 'hmac_replay_result=fresh': 7, 'hmac_replay_result=other': 5 });
    assert.deepEqual(byLabels(first.series, 'hmac_key_info', job, ['hmac_key_id', 'hmac_key_status']), {
      'hmac_key_id=k-ok,hmac_key_status=active': 1,
      ...Object.fromEntries(HOSTILE.map((_, i) => [`hmac_key_id=k${i},hmac_key_status=other`, 1])),
    });
    // A client count (acrossSources 'max'): the points that became one take the largest (2), as
    // the hub and the replicas combine them; added up they read 10.
    assert.deepEqual(byLabels(first.series, 'hmac_auth_clients', job, ['hmac_client_state']), { 'hmac_client_state=active': 3, 'hmac_client_state=other': 2 });
    const counted = (now: Map<string, number>) =>
      Object.fromEntries([...ALLOWED.keys()].map((l) => {
        const attribute = Object.values(ATTR).find((a) => promLabel(a) === l)!;
        return [l, unrecognized(now, attribute) - unrecognized(before, attribute)];
      }));
    const perPush = { hmac_outcome: 5, error_type: 5 + 1 + 1 + 1 + 5, hmac_failure_cause: 5, hmac_replay_result: 5, hmac_key_status: 5, hmac_client_state: 5 };
    assert.deepEqual(counted(first.series), perPush);
    const rejectedPoints = [...first.series].filter(([k, n]) => k.startsWith('hmac_slo_collector_rejected_data_points_total') && n > 0);
    assert.deepEqual(rejectedPoints, [], 'no point refused (the 10 KB value is replaced before the label-size check)');

    // Cumulative: the next export re-sends every stream; the merged ones keep adding up exactly.
    for (const h of HOSTILE) verifications.add(1, rejected(h));
    await flush();
    const second = await exposition(url);
    assert.equal(second.series.get(seriesKey(v, { job, hmac_scheme: 'stripe', hmac_key_id: 'k1', hmac_outcome: 'rejected', error_type: 'other' })), 5 + 3 + 5);
    assert.equal(second.series.get(seriesKey(v, { job, hmac_scheme: 'stripe', hmac_key_id: 'k1', hmac_outcome: 'rejected', error_type: 'signature_mismatch' })), 10);
    assert.equal(second.series.get(seriesKey(v, { job, hmac_scheme: 'stripe', hmac_key_id: 'k1', hmac_outcome: 'other' })), 5);
    // Each push's points are counted as received: a cumulative export re-sends every stream.
    assert.deepEqual(counted(second.series), Object.fromEntries(Object.entries(perPush).map(([l, n]) => [l, 2 * n])));
  } finally {
    await shutdown();
  }
});

test('a closed-set attribute on a contract instrument that does not list it is bounded too: no contract family shows a pushed value there', async () => {
  const job = 'unlisted-closed';
  const { url, meter, flush, shutdown } = await pusher(job, 'json');
  const duration = meter.createHistogram(INSTRUMENTS.verificationDuration.name, { unit: INSTRUMENTS.verificationDuration.unit });
  const replay = meter.createCounter(INSTRUMENTS.replayChecks.name, { unit: INSTRUMENTS.replayChecks.unit });
  // The duration has no error.type, the replay checks no outcome or key status: each is left to any pusher otherwise.
  duration.record(0.01, { [ATTR.scheme]: 'stripe', [ATTR.outcome]: 'rejected', [ATTR.errorType]: 'no_such_reason' });
  replay.add(1, { [ATTR.scheme]: 'stripe', [ATTR.replayResult]: 'fresh', [ATTR.outcome]: 'evil-outcome', [ATTR.keyStatus]: 'evil-status', [ATTR.failureCause]: 'evil-cause' });
  try {
    await flush();
    const { text, series } = await exposition(url);
    for (const h of ['no_such_reason', 'evil-']) assert.ok(!text.includes(h), `${h} in /metrics`);
    assert.deepEqual(byLabels(series, 'hmac_auth_verification_duration_seconds_count', job, ['error_type', 'hmac_outcome']), { 'error_type=other,hmac_outcome=rejected': 1 });
    assert.deepEqual(byLabels(series, 'hmac_replay_checks_total', job, ['hmac_failure_cause', 'hmac_key_status', 'hmac_outcome', 'hmac_replay_result']), {
      'hmac_failure_cause=other,hmac_key_status=other,hmac_outcome=other,hmac_replay_result=fresh': 1,
    });
  } finally {
    await shutdown();
  }
});

/** A pusher with the verifications counter in two scopes (two meters: two copies of the instrumentation). */
async function twoScopes(job: string) {
  const p = await pusher(job, 'protobuf');
  const unit = INSTRUMENTS.verifications.unit;
  return { ...p, first: p.meter.createCounter(INSTRUMENTS.verifications.name, { unit }), second: p.meterNamed('a-second-copy').createCounter(INSTRUMENTS.verifications.name, { unit }) };
}

test('points of two scopes (two meters, e.g. two copies of the instrumentation) that become one set are added up, over cumulative pushes', async () => {
  const job = 'two-scopes';
  const { url, first, second, flush, shutdown } = await twoScopes(job);
  const rejected = (reason: string) => ({ [ATTR.outcome]: 'rejected', [ATTR.errorType]: reason });
  try {
    for (let push = 1; push <= 3; push++) {
      first.add(10, rejected('no_such_reason'));
      second.add(100, rejected('another_unknown_reason'));
      second.add(1, rejected('replay'));
      first.add(1, { ...rejected('replay'), error_type: 'alias' }); // the alias removed: the set of the other scope's point
      await flush();
      const { series } = await exposition(url);
      assert.deepEqual(byLabels(series, 'hmac_auth_verifications_total', job, ['error_type', 'hmac_outcome']), {
        'error_type=other,hmac_outcome=rejected': 110 * push,
        'error_type=replay,hmac_outcome=rejected': 2 * push,
      }, `after push ${push}`);
    }
  } finally {
    await shutdown();
  }
});

test('two scopes reporting one contract instrument with the same sets, nothing bounded (two copies of the instrumentation): two streams, added up (client counts: the larger), over cumulative pushes', async () => {
  const job = 'two-scopes-as-sent';
  const { url, meter, meterNamed, first, second, flush, shutdown } = await twoScopes(job);
  const k1 = { [ATTR.keyId]: 'k1' };
  meter.createObservableGauge(INSTRUMENTS.keyClients.name, { unit: INSTRUMENTS.keyClients.unit }).addCallback((r) => r.observe(5, k1));
  meterNamed('a-second-copy').createObservableGauge(INSTRUMENTS.keyClients.name, { unit: INSTRUMENTS.keyClients.unit }).addCallback((r) => r.observe(2, k1));
  const replay = { [ATTR.outcome]: 'rejected', [ATTR.errorType]: 'replay' };
  try {
    for (let push = 1; push <= 3; push++) {
      first.add(10, replay);
      second.add(100, replay);
      await flush();
      const { series } = await exposition(url);
      // Taken as one stream, the readings 10·n and 100·n alternate: each push looks like a reset.
      assert.deepEqual(byLabels(series, 'hmac_auth_verifications_total', job, ['error_type']), { 'error_type=replay': 110 * push }, `after push ${push}`);
      assert.deepEqual(byLabels(series, 'hmac_key_clients', job, ['hmac_key_id']), { 'hmac_key_id=k1': 5 }, `after push ${push}`);
    }
  } finally {
    await shutdown();
  }
});

test('the same values on a metric outside the contract pass as sent, uncounted', async () => {
  const job = 'own-metrics';
  const { url, before, meter, flush, shutdown } = await pusher(job, 'json');
  const own = meter.createCounter('hmac.custom.lookups');
  const http = meter.createCounter('http.server.requests');
  for (const h of HOSTILE) own.add(1, { [ATTR.errorType]: h, [ATTR.outcome]: h });
  http.add(1, { [ATTR.errorType]: 'no_such_reason' });
  try {
    await flush();
    const after = (await exposition(url)).series;
    // As sent; the 10 KB value is refused by collector.limits.maxLabelValueBytes, as any label would be.
    assert.deepEqual(byLabels(after, 'hmac_custom_lookups_total', job, ['error_type', 'hmac_outcome']), {
      'error_type=no_such_reason,hmac_outcome=no_such_reason': 1,
      'error_type=__proto__,hmac_outcome=__proto__': 1,
      'error_type=constructor,hmac_outcome=constructor': 1,
      'error_type=,hmac_outcome=': 1,
    });
    const delta = (key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);
    assert.equal(delta(seriesKey('hmac_slo_collector_rejected_data_points_total', { reason: 'label_too_long' })), 1);
    assert.equal(delta(seriesKey('hmac_slo_collector_ignored_data_points_total', {})), 1, 'non-hmac metrics are ignored, as before');
    for (const attribute of [ATTR.errorType, ATTR.outcome]) assert.equal(unrecognized(after, attribute), unrecognized(before, attribute), attribute);
  } finally {
    await shutdown();
  }
});

test('failed spans: error.type and hmac.outcome outside the closed sets, or a reason of another outcome, are kept as other in /api/failures and counted', async () => {
  const c = collector();
  const job = 'hostile-spans';
  const before = (await exposition(c.url)).series;
  const span = (outcome: 'rejected' | 'error', attributes: Record<string, string>) => ({ client: 'mallory', outcome, times: 1, attributes });
  await sendSpans(c.url, 'protobuf', job, [
    ...HOSTILE.map((h) => span('rejected', { [ATTR.errorType]: h })), // '' is no error.type: internal_error, not a rejected reason → other
    span('rejected', { [ATTR.errorType]: 'kms_timeout' }),
    span('error', { [ATTR.errorType]: 'replay' }),
    ...HOSTILE.filter((h) => h !== '').map((h) => span('rejected', { [ATTR.outcome]: h, [ATTR.errorType]: 'replay' })),
    { client: 'partner', outcome: 'rejected', times: 2, reason: 'signature_mismatch' },
  ]);
  const res = await fetch(`${c.url}/api/failures?job=${job}&limit=100`);
  assert.equal(res.status, 200);
  const text = await res.text();
  for (const h of ['no_such_reason', 'xxxxxxxxxx', 'constructor', '__proto__']) assert.ok(!text.includes(h), `${h} in /api/failures`);
  const failures = (JSON.parse(text) as FailuresApiResponse).failures;
  const count = (f: (x: (typeof failures)[number]) => string) => failures.reduce<Record<string, number>>((m, x) => ({ ...m, [f(x)]: (m[f(x)] ?? 0) + 1 }), {});
  assert.deepEqual(count((f) => `${f.outcome}/${f.reason}`), { 'rejected/other': 5 + 1, 'error/other': 1, 'other/replay': 4, 'rejected/signature_mismatch': 2 });
  const after = (await exposition(c.url)).series;
  assert.equal(unrecognized(after, ATTR.errorType) - unrecognized(before, ATTR.errorType), 7);
  assert.equal(unrecognized(after, ATTR.outcome) - unrecognized(before, ATTR.outcome), 4);
  // `other` can be asked for, like any reason.
  const others = (await (await fetch(`${c.url}/api/failures?job=${job}&reason=other`)).json()) as FailuresApiResponse;
  assert.equal(others.failures.length, 7);
});

test('the push log replayed after a SIGKILL gives the same bounded series', async () => {
  const tmp = tempDir();
  let c = await startCollector({ dir: tmp.dir });
  try {
    const job = 'hostile-replay';
    const { meter, flush, shutdown } = await pusher(job, 'protobuf', c.url);
    const verifications = meter.createCounter(INSTRUMENTS.verifications.name, { unit: INSTRUMENTS.verifications.unit });
    for (const h of HOSTILE) verifications.add(2, { [ATTR.outcome]: 'rejected', [ATTR.errorType]: h, [ATTR.clientId]: 'customer-secret-42' });
    verifications.add(1, { [ATTR.outcome]: 'rejected', [ATTR.errorType]: 'replay' });
    await flush();
    await shutdown();
    const expected = { 'error_type=other,hmac_outcome=rejected': 10, 'error_type=replay,hmac_outcome=rejected': 1 };
    assert.deepEqual(byLabels((await exposition(c.url)).series, 'hmac_auth_verifications_total', job, ['error_type', 'hmac_outcome']), expected);
    await c.kill();
    c = await startCollector({ dir: tmp.dir, args: ['--listen', new URL(c.url).host] });
    const { text, series } = await exposition(c.url);
    for (const h of ['no_such_reason', 'xxxxxxxxxx', 'customer-secret', '"__proto__"', '"constructor"']) assert.ok(!text.includes(h), `${h} in /metrics after the replay`);
    assert.deepEqual(byLabels(series, 'hmac_auth_verifications_total', job, ['error_type', 'hmac_outcome']), expected);
  } finally {
    await c.stop();
    tmp.cleanup();
  }
});
