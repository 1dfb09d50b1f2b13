import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { PROMETHEUS_EXPORTER_VIEWS } from '../src/contract.js';
import { createMetricProducer } from '../src/telemetry/producer.js';
import { fingerprint } from '../src/telemetry/fingerprint.js';
import { exerciseAll } from './exercise-all.js';
import { harness } from './otel-harness.js';

const SECRET = 'whsec_sweep-7f3a9c1e5b2d4f60-secret';

function forms(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  return [value, bytes.toString('hex'), bytes.toString('base64'), bytes.toString('base64url')];
}

for (const useProducer of [false, true]) {
  test(`no secret (raw, hex, base64, base64url), signature, body, body digest, signed header value or canonical-string part in any metric, span or diagnostic log (${useProducer ? 'producer' : 'drop-in'})`, async () => {
    const logged: string[] = [];
    const capture = (...args: unknown[]) => logged.push(args.map((a) => (a instanceof Error ? `${a.message} ${a.stack}` : String(a))).join(' '));
    diag.setLogger({ error: capture, warn: capture, info: capture, debug: capture, verbose: capture }, DiagLogLevel.ALL);
    try {
      const producer = useProducer ? createMetricProducer({ views: PROMETHEUS_EXPORTER_VIEWS }) : undefined;
      const h = harness({ metricProducers: producer ? [producer] : undefined });
      producer?.attach(h.meterProvider);
      const { signatures, stop, requestParts } = await exerciseAll(h.providers, SECRET);
      assert.ok(signatures.length > 0);

      const { resourceMetrics } = await h.reader.collect();
      const exported = [
        JSON.stringify(resourceMetrics.scopeMetrics),
        new PrometheusSerializer().serialize(resourceMetrics),
        JSON.stringify(
          h.spans().map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, status: s.status, links: s.links, scope: s.instrumentationScope })),
        ),
        logged.join('\n'),
      ].join('\n');
      // The sweep is only meaningful if the run produced telemetry of every kind.
      assert.match(exported, /hmac\.auth\.verifications/);
      assert.match(exported, /signature_mismatch/);
      assert.match(exported, /hmac\.kms\.decrypt/);
      assert.match(exported, /hmac\.failure\.cause.{0,40}body_whitespace/);
      assert.match(exported, /hmac_auth_failure_causes_total\{[^}]*signed_with_other_key/);
      assert.match(exported, /hmac\.failure\.cause_key_id.{0,10}previous/);

      // The reference scheme ran, accepted and diagnosed (its header_changed needs the component digests).
      assert.match(exported, /hmac\.failure\.cause.{0,40}header_changed/);
      const needles = [...forms(SECRET), ...requestParts, ...signatures.flatMap((sig) => [sig, Buffer.from(sig, 'hex').toString('base64'), Buffer.from(sig, 'hex').toString('base64url')])];
      for (const needle of needles) {
        assert.ok(!exported.includes(needle), `found secret material (${needle.slice(0, 6)}…) in exported telemetry`);
        // Partial leaks too: any 12-character window of the needle.
        for (let i = 0; i + 12 <= needle.length; i += 6) {
          assert.ok(!exported.includes(needle.slice(i, i + 12)), `found a fragment of secret material at offset ${i}`);
        }
      }
      // Client IDs (span-only) never reach a metric, not even the client counts made from them.
      const metricsOnly = `${JSON.stringify(resourceMetrics.scopeMetrics)}\n${new PrometheusSerializer().serialize(resourceMetrics)}`;
      assert.match(metricsOnly, /hmac_auth_clients/);
      assert.ok(!metricsOnly.includes('client-7'), 'a raw client ID reached a metric');
      stop();
      await h.shutdown();
    } finally {
      diag.disable();
    }
  });
}

test('fingerprints are the first 12 hex characters of SHA-256', () => {
  const expected = createHash('sha256').update('abc').digest('hex').slice(0, 12);
  assert.equal(expected, 'ba7816bf8f01');
  assert.equal(fingerprint('abc'), 'ba7816bf8f01');
  assert.equal(fingerprint(Buffer.from('abc')), 'ba7816bf8f01');
});

test('control: the sweep does find secrets when a user opts into error messages of a careless verifier', async () => {
  const h = harness();
  await exerciseAll(h.providers, SECRET, { recordErrorMessages: true });
  const spans = JSON.stringify(h.spans().map((s) => ({ attributes: s.attributes, events: s.events, status: s.status })));
  assert.ok(spans.includes(SECRET), 'recordErrorMessages: true copies messages (documented; keep secrets out of messages)');
  await h.shutdown();
});
