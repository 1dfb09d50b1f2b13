/**
 * TEMPORARY stand-in for `hmac-slo demo --push-to … --speed N --scenario … --totals FILE` (the agreed
 * interface, /work/brief/DEMO-CLI.md) while the real demo is being written: two services pushing the
 * contract's metrics with the real OTel SDK and OTLP/HTTP protobuf exporters, phase lines on stdout,
 * a totals file. Only used to build the end-to-end harness; removed once the demo lands.
 */
import { writeFileSync, renameSync } from 'node:fs';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { ATTR, DURATION_BUCKETS_SECONDS, INSTRUMENTS } from '@hmac-slo/instrumentation/contract';

const args = process.argv.slice(2);
const flag = (name: string, def: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1]! : def;
};
const urls = flag('--push-to', 'http://127.0.0.1:9464').split(',');
const speed = Number(flag('--speed', '1'));
const scenarios = flag('--scenario', 'steady').split(',');
const totalsFile = flag('--totals', '');
const exportInterval = Number(flag('--export-interval', '1000'));

const JOBS = ['payments-api', 'webhook-receiver'];
const totals = { verifications: {} as Record<string, Record<string, number>>, exportedAt: 0 };

const services = JOBS.map((job, i) => {
  const reader = new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `${urls[i % urls.length]}/v1/metrics` }), exportIntervalMillis: exportInterval });
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': job, 'service.instance.id': `${job}-0` }), readers: [reader] });
  const meter = provider.getMeter('@hmac-slo/instrumentation');
  const verifications = meter.createCounter(INSTRUMENTS.verifications.name);
  const duration = meter.createHistogram(INSTRUMENTS.verificationDuration.name, { unit: 's', advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_SECONDS] } });
  const kms = meter.createCounter(INSTRUMENTS.kmsOperations.name);
  const kmsDuration = meter.createHistogram(INSTRUMENTS.kmsOperationDuration.name, { unit: 's', advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_SECONDS] } });
  const replay = meter.createCounter(INSTRUMENTS.replayChecks.name);
  let keys: Record<string, string> = { 'k-2026-11': 'active', 'k-2026-05': 'revoked' };
  meter.createObservableGauge(INSTRUMENTS.keyInfo.name).addCallback((r) => {
    for (const [k, s] of Object.entries(keys)) r.observe(1, { [ATTR.keyId]: k, [ATTR.keyStatus]: s });
  });
  const verify = (n: number, keyId: string, reason?: string, outcome?: string) => {
    const o = reason ? (outcome ?? 'rejected') : 'accepted';
    verifications.add(n, { [ATTR.scheme]: 'reference', [ATTR.keyId]: keyId, [ATTR.outcome]: o, ...(reason ? { [ATTR.errorType]: reason } : {}) });
    for (let k = 0; k < n; k++) duration.record(reason?.startsWith('kms') ? 0.2 : 0.002, { [ATTR.scheme]: 'reference', [ATTR.keyId]: keyId, [ATTR.outcome]: o });
    const t = (totals.verifications[job] ??= {});
    const key = `${o}/${reason ?? 'ok'}`;
    t[key] = (t[key] ?? 0) + n;
  };
  const kmsCall = (n: number, error?: string) => {
    kms.add(n, { [ATTR.kmsProvider]: 'simulated', [ATTR.kmsOperation]: 'decrypt', [ATTR.outcome]: error ? 'error' : 'accepted', ...(error ? { [ATTR.errorType]: error } : {}) });
    for (let k = 0; k < n; k++) kmsDuration.record(error ? 1 : 0.01, { [ATTR.kmsProvider]: 'simulated', [ATTR.kmsOperation]: 'decrypt', [ATTR.outcome]: error ? 'error' : 'accepted' });
  };
  return { job, provider, reader, verify, kmsCall, replay, setKeys: (k: Record<string, string>) => (keys = k) };
});

function tick(phase: string): void {
  for (const s of services) {
    s.verify(20, 'k-2026-11');
    s.kmsCall(2);
    s.replay.add(20, { [ATTR.scheme]: 'reference', [ATTR.replayResult]: 'fresh' });
    if (phase === 'canonicalization') s.verify(10, 'k-2026-11', 'signature_mismatch');
    if (phase === 'replay' && s.job === 'webhook-receiver') {
      s.verify(3, 'k-2026-11', 'replay');
      s.replay.add(3, { [ATTR.scheme]: 'reference', [ATTR.replayResult]: 'replayed' });
    }
    if (phase === 'revoked-key' && s.job === 'payments-api') s.verify(1, 'k-2026-05', 'revoked_key');
    if (phase === 'kms-outage' && s.job === 'payments-api') {
      s.kmsCall(5, 'kms_unavailable');
      s.verify(5, 'k-2026-11', 'kms_unavailable', 'error');
    }
  }
}

function writeTotals(): void {
  if (!totalsFile) return;
  totals.exportedAt = Date.now();
  writeFileSync(`${totalsFile}.tmp`, JSON.stringify(totals));
  renameSync(`${totalsFile}.tmp`, totalsFile);
}

const phases: { phase: string; scenario: string; ms: number }[] = [];
for (const s of scenarios) {
  if (s !== 'steady') phases.push({ phase: 'steady', scenario: s, ms: (6 * 60_000) / speed });
  phases.push({ phase: s, scenario: s, ms: (s === 'steady' ? 10 * 60_000 : 15 * 60_000) / speed });
}

let index = 0;
for (const p of phases) {
  process.stdout.write(`${JSON.stringify({ msg: 'demo phase', phase: p.phase, scenario: p.scenario, index: index++, durationMs: p.ms })}\n`);
  const end = Date.now() + p.ms;
  while (Date.now() < end) {
    tick(p.phase);
    await new Promise((r) => setTimeout(r, 50));
  }
}
for (const s of services) await s.reader.forceFlush().catch(() => undefined);
writeTotals();
for (const s of services) await s.provider.shutdown().catch(() => undefined);
process.stdout.write(`${JSON.stringify({ msg: 'demo finished' })}\n`);
