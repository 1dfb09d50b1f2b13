/**
 * `hmac-slo demo` end to end, as real processes: two demos at 200× run side by side, one with its
 * embedded collector (canonicalization, clock drift, replay, revoked key; stopped with SIGTERM), one
 * pushing to a separately started `hmac-slo collector` (rotation lag, KMS outage, proxy, canary; runs
 * its timeline to the end). While they run the collectors are polled: each scenario's failure reason
 * must show up in /metrics and /api/failures with the right job. Afterwards the services' own
 * totals (--totals) must equal what the collector holds — for the embedded one, read back by a
 * collector restarted on its state directory — and no key secret may appear anywhere.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startCollector, tempDir } from '../support/collector.js';
import {
  demoSecret,
  nest,
  parseSamples,
  runDemo,
  secretSpellings,
  sumBy,
  viewCollector,
  type CollectorView,
  type DemoLine,
  type DemoProcess,
} from './demo-process.js';

const SEED = `demo-test-seed-${randomBytes(6).toString('hex')}`;
const SPEED = 200;
const cleanups: Array<() => void | Promise<unknown>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A deadline that does not keep the test process alive. */
const deadline = <T>(ms: number, value: T) => new Promise<T>((r) => setTimeout(() => r(value), ms).unref());

async function until(pred: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}

/** Polls a collector while a demo runs: every (job, reason) seen in /api/failures and /metrics, and every text served. */
class Watcher {
  readonly inFailures = new Set<string>();
  readonly inMetrics = new Set<string>();
  /** `job/cause` (and `job[track]/cause`) seen on hmac_auth_failure_causes_total. */
  readonly causes = new Set<string>();
  readonly texts: string[] = [];
  /** Label sets seen on hmac_key_info (`job key status`). */
  readonly keyInfo = new Set<string>();
  skewNearWindow = 0;
  private running = true;
  private readonly done: Promise<void>;

  constructor(urls: readonly string[]) {
    this.done = (async () => {
      while (this.running) {
        for (const url of urls) {
          try {
            this.take(await viewCollector(url));
          } catch {
            // the collector is starting or stopping
          }
        }
        await sleep(600);
      }
    })();
  }

  take(view: CollectorView): void {
    this.texts.push(...view.texts);
    for (const f of view.failures.failures) this.inFailures.add(`${f.job}/${f.reason}`);
    const samples = parseSamples(view.metrics);
    for (const s of samples) {
      if (s.name === 'hmac_auth_verifications_total' && s.labels.error_type && s.value > 0) {
        this.inMetrics.add(`${s.labels.job}/${s.labels.error_type}`);
        if (s.labels.deployment_track) this.inMetrics.add(`${s.labels.job}[${s.labels.deployment_track}]/${s.labels.error_type}`);
      }
      if (s.name === 'hmac_auth_failure_causes_total' && s.value > 0) {
        this.causes.add(`${s.labels.job}/${s.labels.hmac_failure_cause}`);
        if (s.labels.deployment_track) this.causes.add(`${s.labels.job}[${s.labels.deployment_track}]/${s.labels.hmac_failure_cause}`);
      }
      if (s.name === 'hmac_key_info' && s.value === 1) this.keyInfo.add(`${s.labels.job} ${s.labels.hmac_key_id} ${s.labels.hmac_key_status}`);
    }
    const le = (bound: string) => sumBy(samples, 'hmac_auth_clock_skew_seconds_bucket', (l) => (l.job === 'payments-api' && l.le === bound ? 'x' : '-')).x ?? 0;
    this.skewNearWindow = Math.max(this.skewNearWindow, le('300') - le('240'));
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}

interface Totals {
  verifications: Record<string, Record<string, number>>;
  byKey: Record<string, Record<string, number>>;
  kms: Record<string, number>;
  replay: Record<string, { fresh: number; replayed: number }>;
  responses: Record<string, Record<string, number>>;
  exportedAt: number;
}

interface RunResult {
  demo: DemoProcess;
  started: DemoLine;
  exit: { code: number | null; signal: NodeJS.Signals | null };
  watcher: Watcher;
  final: CollectorView;
  totals: Totals;
  totalsText: string;
  /** Directories holding collector state (scanned for secrets). */
  stateDirs: string[];
}

// The full tour: the realistic timeline's phase lengths (the quick tour shortens the opening), no background noise.
const COMMON = ['--tour', 'full', '--speed', String(SPEED), '--log-format', 'json', '--export-interval', '200'];

/** Run A: embedded collector, F1 F2 F3 F4, stopped by SIGTERM once the last scenario showed. */
async function runEmbedded(): Promise<RunResult> {
  const tmp = tempDir();
  cleanups.push(() => tmp.cleanup());
  const totalsFile = join(tmp.dir, 'totals.json');
  const stateDir = join(tmp.dir, 'state');
  const demo = runDemo(
    ['--listen', '127.0.0.1:0', '--state-dir', stateDir, '--scenario', 'canonicalization,clock-drift,replay,revoked-key', '--totals', totalsFile, ...COMMON],
    { HMAC_SLO_DEMO_SECRET_SEED: SEED },
  );
  cleanups.push(() => demo.kill());
  const started = await demo.waitFor((l) => l.msg === 'demo started', 30_000);
  const watcher = new Watcher([started.collector as string]);
  await demo.waitFor((l) => l.msg === 'demo phase' && l.phase === 'revoked-key', 60_000);
  await until(() => watcher.inFailures.has('payments-api/revoked_key') && watcher.inFailures.has('payments-api/unknown_key'), 4_000);
  await sleep(700); // one more poll with the revoked-key traffic in it
  demo.child.kill('SIGTERM');
  const exit = await demo.exited;
  await watcher.stop();
  // The embedded collector is gone with the demo: read its state back with a fresh collector.
  const collector = await startCollector({ dir: tmp.dir });
  cleanups.push(() => collector.kill());
  const final = await viewCollector(collector.url);
  watcher.take(final);
  await collector.stop();
  const totalsText = readFileSync(totalsFile, 'utf8');
  return { demo, started, exit, watcher, final, totals: JSON.parse(totalsText) as Totals, totalsText, stateDirs: [stateDir] };
}

/** Run B: two separate collectors (--push-to a,b), F5 F6 F7 M10, to the end of the timeline. */
async function runPushTo(): Promise<RunResult & { perCollector: CollectorView[] }> {
  const tmps = [tempDir(), tempDir()];
  for (const t of tmps) cleanups.push(() => t.cleanup());
  const collectors = await Promise.all(tmps.map((t) => startCollector({ dir: t.dir })));
  for (const c of collectors) cleanups.push(() => c.kill());
  const urls = collectors.map((c) => c.url);
  const totalsFile = join(tmps[0]!.dir, 'totals.json');
  const demo = runDemo(['--push-to', urls.join(','), '--scenario', 'rotation-lag,kms-outage,proxy-body,canary', '--totals', totalsFile, ...COMMON], {
    HMAC_SLO_DEMO_SECRET_SEED: SEED,
  });
  cleanups.push(() => demo.kill());
  const started = await demo.waitFor((l) => l.msg === 'demo started', 30_000);
  const watcher = new Watcher(urls);
  const exit = await Promise.race([demo.exited, deadline(70_000, { code: -1, signal: null })]);
  await watcher.stop();
  const perCollector = await Promise.all(urls.map((u) => viewCollector(u)));
  perCollector.forEach((v) => watcher.take(v));
  await Promise.all(collectors.map((c) => c.stop()));
  // Prometheus would add the two collectors up; so do the checks below.
  const final: CollectorView = {
    metrics: perCollector.map((v) => v.metrics).join('\n'),
    failures: { failures: perCollector.flatMap((v) => v.failures.failures) },
    texts: perCollector.flatMap((v) => v.texts),
  };
  const totalsText = readFileSync(totalsFile, 'utf8');
  return { demo, started, exit, watcher, final, perCollector, totals: JSON.parse(totalsText) as Totals, totalsText, stateDirs: tmps.map((t) => t.dir) };
}

// Both run at once (each demo stays well under a core); the tests below share them.
const embedded = runEmbedded();
const pushed = runPushTo();
embedded.catch(() => {});
pushed.catch(() => {});

function phasesOf(demo: DemoProcess): Array<{ phase: string; durationMs: number }> {
  return demo.lines().filter((l) => l.msg === 'demo phase').map((l) => ({ phase: l.phase as string, durationMs: l.durationMs as number }));
}

/** The collector's sums, in the shape of the totals file. */
function collectorTotals(metrics: string) {
  const s = parseSamples(metrics);
  const verifications = nest(sumBy(s, 'hmac_auth_verifications_total', (l) => `${l.job}|${l.hmac_outcome}/${l.error_type ?? 'ok'}`));
  const byKey = nest(sumBy(s, 'hmac_auth_verifications_total', (l) => `${l.job}|${l.hmac_key_id}`));
  const kms = sumBy(s, 'hmac_kms_operations_total', (l) => `${l.hmac_kms_operation}/${l.hmac_outcome}`);
  const replay = nest(sumBy(s, 'hmac_replay_checks_total', (l) => `${l.job}|${l.hmac_replay_result}`));
  return { verifications, byKey, kms, replay };
}

function withoutZeros<T extends Record<string, Record<string, number>>>(x: T): T {
  const out: Record<string, Record<string, number>> = {};
  for (const [job, counts] of Object.entries(x)) {
    const kept = Object.fromEntries(Object.entries(counts).filter(([, n]) => n !== 0));
    if (Object.keys(kept).length > 0) out[job] = kept;
  }
  return out as T;
}

function assertTotalsMatch(run: RunResult): void {
  const c = collectorTotals(run.final.metrics);
  assert.ok(Object.keys(run.totals.verifications).length === 2, 'both verifying jobs counted');
  assert.deepEqual(run.totals.verifications, c.verifications, 'verifications: services vs collector');
  assert.deepEqual(run.totals.byKey, c.byKey, 'verifications by key: services vs collector');
  assert.deepEqual(run.totals.kms, c.kms, 'KMS operations: services vs collector');
  assert.deepEqual(withoutZeros(run.totals.replay), c.replay, 'replay checks: services vs collector');
  // The clients' own account of the answers they got agrees with the services' instrumentation.
  assert.deepEqual(run.totals.responses, run.totals.verifications, 'HTTP answers seen by the clients vs verifications counted');
}

test('F1 canonicalization: signature_mismatch in both payments-api and webhook-receiver', async () => {
  const { watcher } = await embedded;
  for (const job of ['payments-api', 'webhook-receiver']) {
    assert.ok(watcher.inMetrics.has(`${job}/signature_mismatch`), `${job} signature_mismatch in /metrics`);
    assert.ok(watcher.inFailures.has(`${job}/signature_mismatch`), `${job} signature_mismatch in /api/failures`);
    // The wrapper's diagnosis names the rewritten Content-Type (the demo's signers send component digests).
    assert.ok(watcher.causes.has(`${job}/header_changed`), `${job} cause header_changed: ${[...watcher.causes].join(' ')}`);
  }
});

test('F2 clock drift: skew between 240 s and the 300 s window first, then timestamp_skew', async () => {
  const { watcher } = await embedded;
  assert.ok(watcher.skewNearWindow > 0, 'payments-api clock-skew samples in the (240, 300] bucket');
  assert.ok(watcher.inMetrics.has('payments-api/timestamp_skew'));
  assert.ok(watcher.inFailures.has('payments-api/timestamp_skew'));
});

test('F3 replay: replay rejections and replayed nonces on payments-api', async () => {
  const { watcher, final } = await embedded;
  assert.ok(watcher.inMetrics.has('payments-api/replay'));
  assert.ok(watcher.inFailures.has('payments-api/replay'));
  const replayed = sumBy(parseSamples(final.metrics), 'hmac_replay_checks_total', (l) => `${l.job}/${l.hmac_replay_result}`);
  assert.ok((replayed['payments-api/replayed'] ?? 0) > 0);
});

test('F4 revoked key: the leaked key is rejected as revoked_key under its own ID; made-up IDs as unknown_key', async () => {
  const { watcher, final, started } = await embedded;
  const leaked = (started.keyIds as { payments: { leaked: string } }).payments.leaked;
  const revoked = parseSamples(final.metrics).filter((s) => s.name === 'hmac_auth_verifications_total' && s.labels.error_type === 'revoked_key');
  assert.ok(revoked.length > 0 && revoked.every((s) => s.labels.job === 'payments-api' && s.labels.hmac_key_id === leaked), JSON.stringify(revoked));
  assert.ok(watcher.inFailures.has('payments-api/revoked_key'));
  assert.ok(watcher.inFailures.has('payments-api/unknown_key'));
  const unknown = parseSamples(final.metrics).filter((s) => s.name === 'hmac_auth_verifications_total' && s.labels.error_type === 'unknown_key');
  assert.ok(unknown.length > 0 && unknown.every((s) => s.labels.hmac_key_id === 'unknown'), 'guessed key IDs never become labels');
});

test('phases are announced in order with their real durations (demo minutes / speed)', async () => {
  const { demo } = await embedded;
  const phases = phasesOf(demo);
  // Stopped during revoked-key or in the closing steady phase that follows it.
  if (phases.length === 10) assert.deepEqual(phases.pop(), { phase: 'steady', durationMs: (5 * 60_000) / SPEED });
  assert.deepEqual(phases, [
    { phase: 'steady', durationMs: (5 * 60_000) / SPEED },
    { phase: 'canonicalization', durationMs: (15 * 60_000) / SPEED },
    { phase: 'steady', durationMs: (5 * 60_000) / SPEED },
    { phase: 'clock-drift:approaching', durationMs: (12 * 60_000) / SPEED },
    { phase: 'clock-drift:past-window', durationMs: (12 * 60_000) / SPEED },
    { phase: 'steady', durationMs: (5 * 60_000) / SPEED },
    { phase: 'replay', durationMs: (15 * 60_000) / SPEED },
    { phase: 'steady', durationMs: (5 * 60_000) / SPEED },
    { phase: 'revoked-key', durationMs: (15 * 60_000) / SPEED },
  ]);
});

test('SIGTERM: exit 0 after the final export; the totals equal what the collector persisted', async () => {
  const run = await embedded;
  assert.deepEqual(run.exit, { code: 0, signal: null }, run.demo.stderr());
  const finished = run.demo.lines().find((l) => l.msg === 'demo finished');
  assert.equal(finished?.reason, 'signal:SIGTERM');
  assert.equal(finished?.finalExportFailed, false);
  assertTotalsMatch(run);
});

test('F5 rotation lag: the retiring key is revoked and the lagging client gets revoked_key', async () => {
  const { watcher, final, started } = await pushed;
  const oldKey = (started.keyIds as { payments: { current: string } }).payments.current;
  assert.ok(watcher.keyInfo.has(`payments-api ${oldKey} retiring`), `key ${oldKey} reported retiring during the rotation`);
  assert.ok(watcher.keyInfo.has(`payments-api ${oldKey} revoked`));
  const newActive = [...watcher.keyInfo].filter((k) => k.startsWith('payments-api ') && k.endsWith(' active') && !k.includes(oldKey));
  assert.ok(newActive.length > 0, 'a new active payments key');
  const revoked = parseSamples(final.metrics).filter((s) => s.name === 'hmac_auth_verifications_total' && s.labels.error_type === 'revoked_key');
  assert.ok(revoked.length > 0 && revoked.every((s) => s.labels.hmac_key_id === oldKey), JSON.stringify(revoked));
  assert.ok(watcher.inFailures.has('payments-api/revoked_key'));
  // Half-rotated billing-worker instances (new key ID, old secret): diagnosed as the retiring key's.
  const other = parseSamples(final.metrics).filter((s) => s.name === 'hmac_auth_failure_causes_total' && s.labels.hmac_failure_cause === 'signed_with_other_key' && s.value > 0);
  assert.ok(other.length > 0 && other.every((s) => s.labels.job === 'payments-api' && s.labels.hmac_key_id === oldKey), JSON.stringify(other));
});

test('F6/F8 KMS slowdown and outage: slow and failing KMS calls, verifications with outcome error, billing-worker cannot sign', async () => {
  const { watcher, final } = await pushed;
  const samples = parseSamples(final.metrics);
  const kmsErrors = sumBy(samples, 'hmac_kms_operations_total', (l) => `${l.job}/${l.hmac_outcome}/${l.error_type ?? ''}`);
  assert.ok(Object.keys(kmsErrors).some((k) => /^payments-api\/error\/kms_(timeout|unavailable)$/.test(k)), JSON.stringify(kmsErrors));
  const verifyKms = sumBy(samples, 'hmac_auth_verifications_total', (l) => (l.error_type?.startsWith('kms_') ? `${l.job}/${l.hmac_outcome}` : '-'));
  assert.ok((verifyKms['payments-api/error'] ?? 0) > 0, JSON.stringify(verifyKms));
  const le = (b: string) => sumBy(samples, 'hmac_kms_operation_duration_seconds_bucket', (l) => (l.le === b ? 'x' : '-')).x ?? 0;
  assert.ok(le('+Inf') - le('0.1') > 0, 'KMS calls slower than 100 ms');
  assert.ok([...watcher.inFailures].some((f) => /^payments-api\/kms_(timeout|unavailable)$/.test(f)), [...watcher.inFailures].join(' '));
  // F8: billing-worker unwraps its signing key through the same KMS, so its signing fails too.
  const signings = sumBy(samples, 'hmac_auth_signings_total', (l) => `${l.job}/${l.hmac_outcome}/${l.error_type ?? ''}`);
  assert.ok(Object.keys(signings).some((k) => /^billing-worker\/error\/kms_(throttled|timeout|unavailable)$/.test(k)), JSON.stringify(signings));
  assert.ok([...watcher.inFailures].some((f) => /^billing-worker\/kms_/.test(f)), 'failed hmac.sign spans of billing-worker');
});

test('F7 proxy: digest_mismatch on webhook-receiver', async () => {
  const { watcher } = await pushed;
  assert.ok(watcher.inMetrics.has('webhook-receiver/digest_mismatch'));
  assert.ok(watcher.inFailures.has('webhook-receiver/digest_mismatch'));
  assert.ok(watcher.causes.has('webhook-receiver/body_reserialized'), [...watcher.causes].join(' '));
});

test('M10 canary: signature_mismatch on deployment_track="canary" only', async () => {
  const { watcher, final } = await pushed;
  assert.ok(watcher.inMetrics.has('payments-api[canary]/signature_mismatch'));
  assert.ok(watcher.causes.has('payments-api[canary]/path_changed'), 'the canary lower-cases paths: path_changed');
  // The stable payments-api's only mismatches in this run are the rotation's half-rotated instances.
  const stableMismatches = (name: string, cause?: string) =>
    parseSamples(final.metrics)
      .filter((s) => s.name === name && s.labels.error_type === 'signature_mismatch' && s.labels.deployment_track === undefined && (cause === undefined || s.labels.hmac_failure_cause === cause))
      .reduce((n, s) => n + s.value, 0);
  assert.equal(stableMismatches('hmac_auth_verifications_total'), stableMismatches('hmac_auth_failure_causes_total', 'signed_with_other_key'), 'stable mismatches = the rotation\'s signed_with_other_key');
  const canaryAccepted = parseSamples(final.metrics).filter(
    (s) => s.name === 'hmac_auth_verifications_total' && s.labels.deployment_track === 'canary' && s.labels.hmac_outcome === 'accepted',
  );
  assert.ok(canaryAccepted.length > 0, 'the canary also accepts most calls');
});

test('--push-to a,b: service i sticks to collector i mod 2; exit 0 at the end of the timeline; totals equal the sum', async () => {
  const run = await pushed;
  assert.deepEqual(run.exit, { code: 0, signal: null }, run.demo.stderr());
  assert.equal(run.demo.lines().find((l) => l.msg === 'demo finished')?.reason, 'timeline');
  const jobsOn = run.perCollector.map((v) => {
    const jobs = new Set<string>();
    for (const s of parseSamples(v.metrics)) if (s.name.startsWith('hmac_') && !s.name.startsWith('hmac_slo_') && s.labels.job) jobs.add(`${s.labels.job}${s.labels.deployment_track ? `[${s.labels.deployment_track}]` : ''}`);
    return [...jobs].sort();
  });
  // Service order: payments-api, its canary, webhook-receiver, checkout-service, billing-worker, webhook-sender.
  assert.deepEqual(jobsOn, [
    ['billing-worker', 'payments-api', 'webhook-receiver'],
    ['checkout-service', 'payments-api[canary]', 'webhook-sender'],
  ]);
  const services = run.started.services as Array<{ job: string; pushTo: string }>;
  assert.deepEqual(services.map((s) => s.pushTo), [0, 1, 0, 1, 0, 1].map((i) => (run.started.pushTo as string[])[i]));
  assertTotalsMatch(run);
});

test('no key secret appears in /metrics, /api/*, logs, totals or the collector state', async () => {
  const runs = [await embedded, await pushed];
  const keyIds = new Set<string>();
  for (const run of runs) {
    const ids = run.started.keyIds as { payments: { current: string; leaked: string }; webhooks: { current: string } };
    [ids.payments.current, ids.payments.leaked, ids.webhooks.current].forEach((k) => keyIds.add(k));
    for (const s of parseSamples(run.final.metrics)) if (s.labels.hmac_key_id && s.labels.hmac_key_id !== 'unknown') keyIds.add(s.labels.hmac_key_id);
  }
  assert.ok(keyIds.size >= 4, [...keyIds].join(' ')); // current, leaked, rotated-in, webhook key
  const texts: string[] = [];
  for (const run of runs) {
    texts.push(run.demo.stdout(), run.demo.stderr(), run.totalsText, ...run.watcher.texts);
    for (const dir of run.stateDirs) for (const file of listFiles(dir)) texts.push(readFileSync(file).toString('latin1'));
  }
  const haystack = texts.join('\n');
  assert.ok(!haystack.includes(SEED), 'the seed itself');
  for (const id of keyIds) {
    for (const spelling of secretSpellings(demoSecret(SEED, id))) {
      assert.ok(!haystack.includes(spelling), `secret of ${id} found`);
    }
  }
});

function listFiles(dir: string): string[] {
  let out: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    const p = join(dir, name);
    out = statSync(p).isDirectory() ? out.concat(listFiles(p)) : out.concat([p]);
  }
  return out;
}
