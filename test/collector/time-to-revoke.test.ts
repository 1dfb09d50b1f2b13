/**
 * Time to revoke, end to end through a real collector process: a real verifier wrapped by
 * `instrumentVerifier`, a key ring reported by `observeKeyRing`, a real OTel SDK pushing OTLP/JSON.
 * The key is accepted, then revoked; one verifier that missed the revocation accepts it once more,
 * then it is only rejected (`revoked_key`), then nobody presents it. `/api/keys` says when it was
 * revoked, how long it kept being presented, that it was accepted after revocation and when it was last
 * accepted; `/metrics` carries the same as `hmac_slo_collector_key_*` gauges for the executive dashboard.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { HmacAuthError, instrumentVerifier, observeKeyRing, type KeyRingEntry } from '@hmac-slo/instrumentation';
import { afterNextSample, parseExposition, seriesKey, withCollector } from '../support/collector.js';
import type { KeysApiResponse } from '../../src/collector/model.js';

test('a revoked key: revoked at, presented for, accepted after revocation, last accepted — in /api/keys and /metrics', async () => {
  // timeScale 50: the collector samples every 200 ms.
  await withCollector('timeScale: 50\n', async (c) => {
    const reader = new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `${c.url}/v1/metrics` }), exportIntervalMillis: 3_600_000 });
    const meterProvider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'payments' }), readers: [reader] });
    const ring: KeyRingEntry[] = [{ id: 'k-leaked', status: 'active', createdAt: Date.now() - 86_400_000 }];
    const observation = observeKeyRing({ keys: () => ring }, { meterProvider });
    let revokedHere = false; // this verifier honours the ring; `stale` below does not
    const verify = instrumentVerifier(
      (_req: { n: number }, honour: boolean) => {
        if (honour && revokedHere) throw new HmacAuthError('revoked_key');
        return { ok: true };
      },
      { meterProvider, scheme: 'stripe', keyId: () => 'k-leaked', knownKeyIds: ['k-leaked'] },
    );
    const push = async () => {
      await reader.forceFlush();
      await afterNextSample(c.url);
    };
    const keyOf = async () => ((await (await fetch(`${c.url}/api/keys`)).json()) as KeysApiResponse).keys.find((k) => k.keyId === 'k-leaked')!;

    // The baseline (the collector's first sample of the key), then accepted traffic.
    verify({ n: 0 }, true);
    await push();
    verify({ n: 1 }, true);
    await push();
    const acceptedBefore = Date.parse((await keyOf()).lastAcceptedAt!);
    assert.equal((await keyOf()).revokedAt, undefined, 'not revoked yet');

    // Revoked. A stale verifier accepts it once more; then it is only rejected.
    ring[0] = { ...ring[0]!, status: 'revoked' };
    revokedHere = true;
    await push();
    const revokedAt = Date.parse((await keyOf()).revokedAt!);
    assert.ok(revokedAt >= acceptedBefore);
    verify({ n: 2 }, false);
    await push();
    assert.throws(() => verify({ n: 3 }, true), HmacAuthError);
    await push();
    const lastPresentedBefore = Date.now();
    assert.throws(() => verify({ n: 4 }, true), HmacAuthError);
    await push();
    // Then silence for a few samples.
    await push();
    await push();

    const key = await keyOf();
    assert.equal(key.status, 'revoked');
    assert.equal(key.acceptedAfterRevoke, true);
    const lastAccepted = Date.parse(key.lastAcceptedAt!);
    const lastPresented = Date.parse(key.lastPresentedAt!);
    assert.ok(lastAccepted > revokedAt && lastAccepted < lastPresented, JSON.stringify(key));
    assert.ok(lastPresented >= lastPresentedBefore, JSON.stringify(key));
    assert.equal(key.presentedAfterRevokeSeconds, (lastPresented - revokedAt) / 1000);

    const metrics = parseExposition(await (await fetch(`${c.url}/metrics`)).text());
    const labels = { hmac_key_id: 'k-leaked' };
    assert.equal(metrics.get(seriesKey('hmac_slo_collector_key_revoked_timestamp_seconds', labels)), revokedAt / 1000);
    assert.equal(metrics.get(seriesKey('hmac_slo_collector_key_presented_after_revoke_seconds', labels)), key.presentedAfterRevokeSeconds);
    assert.equal(metrics.get(seriesKey('hmac_slo_collector_key_last_accepted_timestamp_seconds', labels)), lastAccepted / 1000);

    observation.stop();
    await meterProvider.shutdown();
  });
});
