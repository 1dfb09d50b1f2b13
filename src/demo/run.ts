/**
 * `hmac-slo demo`: the embedded collector (unless --push-to), the demo services and clients, the
 * scenario timeline, the live status, and a graceful end (final export of every service's metrics
 * and spans, totals, collector snapshot).
 */
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { createKeyRing } from '@hmac-slo/instrumentation';
import type { HmacSloConfig } from '../config/schema.js';
import { durationSeconds } from '../config/duration.js';
import { SignedClient, destroyAgent } from './client.js';
import { SimulatedKms } from './kms.js';
import { KmsKeyStore } from './keystore.js';
import { DemoOutput, type LogFormat } from './output.js';
import { createRng } from './rng.js';
import { KMS_TIMEOUT_MS, type PhaseSpec, type ScenarioName } from './scenarios.js';
import { DemoSecrets } from './secrets.js';
import { startPaymentsApi, type PaymentsApi } from './services/payments-api.js';
import { startWebhookReceiver } from './services/webhook-receiver.js';
import { readStatus, statusText, formatClock, type StatusFigures } from './status.js';
import { createServiceTelemetry, type ServiceIdentity, type ServiceTelemetry } from './telemetry.js';
import { TotalsBook } from './totals.js';
import { Workload } from './traffic.js';
import { BASELINE, monthKeyId, recover, type DemoWorld } from './world.js';
import { BackgroundNoise } from './noise.js';
import { AlertLog, failuresByReason, summaryLines } from './summary.js';
import { timeScaleText, TOURS, tourTimeline, type TourName } from './tour.js';

export interface DemoOptions {
  readonly config: HmacSloConfig;
  readonly listen: string;
  readonly stateDir: string;
  /** Collector base URLs; undefined = run the collector in this process. */
  readonly pushTo: readonly string[] | undefined;
  readonly scenarios: readonly ScenarioName[];
  /** `quick` (short opening, background noise) or `full` (the realistic timeline); see tour.ts. */
  readonly tour: TourName;
  readonly speed: number;
  /** Real milliseconds; undefined = until the timeline ends (or forever with loop). */
  readonly durationMs: number | undefined;
  readonly loop: boolean;
  readonly totalsFile: string | undefined;
  readonly exportIntervalMs: number;
  readonly logFormat: LogFormat;
  readonly ui: boolean;
  readonly secretSeed: string | undefined;
  /** Resolves when the demo should stop (SIGINT/SIGTERM). */
  readonly stopSignal: Promise<string>;
}

const DAY_MS = 86_400_000;

/** Default export interval: 30 s of demo time, between 250 ms and 5 s of real time. */
export function defaultExportIntervalMs(speed: number): number {
  return Math.round(Math.min(5_000, Math.max(250, 30_000 / speed)));
}

interface ServicePlan {
  readonly identity: ServiceIdentity;
  readonly role: string;
}

function plans(runId: string): ServicePlan[] {
  const id = (name: string) => `${name}-${runId}`;
  return [
    { role: 'verifies signed service-to-service calls (KMS-backed keys)', identity: { name: 'payments-api', version: '1.8.2', instanceId: id('payments-api-0') } },
    {
      role: 'canary of payments-api (traffic only during the canary scenario)',
      identity: { name: 'payments-api', version: '1.9.0-rc.1', instanceId: id('payments-api-canary-0'), resourceAttributes: { 'deployment.track': 'canary' } },
    },
    { role: 'verifies signed webhooks from the acquirer', identity: { name: 'webhook-receiver', version: '2.3.0', instanceId: id('webhook-receiver-0') } },
    { role: 'signs calls to payments-api', identity: { name: 'checkout-service', version: '4.12.0', instanceId: id('checkout-service-0') } },
    { role: 'signs calls to payments-api (signing key unwrapped through the KMS)', identity: { name: 'billing-worker', version: '0.9.7', instanceId: id('billing-worker-0') } },
    { role: 'signs webhook deliveries (the acquirer)', identity: { name: 'webhook-sender', version: '3.1.0', instanceId: id('webhook-sender-0') } },
  ];
}

export async function runDemo(opts: DemoOptions): Promise<void> {
  const out = new DemoOutput(opts.logFormat);
  const startedAt = Date.now();
  const totals = new TotalsBook(opts.totalsFile);

  // 1. The collector: in this process, or the ones given.
  let collector: { url: string; stop(): Promise<void> } | undefined;
  let urls: string[];
  if (opts.pushTo === undefined) {
    const { runCollector } = await import('../collector/run.js');
    // The embedded collector's SLO windows follow the demo's clock.
    const config: HmacSloConfig = { ...opts.config, timeScale: opts.speed };
    const log =
      opts.logFormat === 'json'
        ? pino({ name: 'hmac-slo-collector' })
        : pino({ name: 'hmac-slo-collector', level: 'warn' }, pino.destination({ dest: 2, sync: true }));
    collector = await runCollector({ config, listen: opts.listen, stateDir: opts.stateDir, ui: opts.ui && opts.config.collector.ui, log });
    urls = [collector.url];
  } else {
    urls = [...opts.pushTo];
  }

  // 2. Services, each with its own SDK pushing to its collector (service i → URL[i mod n]).
  const runId = randomBytes(3).toString('hex');
  const exportFailures = new Map<string, number>();
  let lastExportErrorLog = 0;
  const telemetry: ServiceTelemetry[] = plans(runId).map((plan, i) =>
    createServiceTelemetry(plan.identity, {
      pushUrl: urls[i % urls.length]!,
      exportIntervalMs: opts.exportIntervalMs,
      okSpanEvery: 50,
      onExport: (identity, metrics) => totals.record(identity, metrics),
      onExportError: (identity, error) => {
        exportFailures.set(identity.instanceId, (exportFailures.get(identity.instanceId) ?? 0) + 1);
        if (Date.now() - lastExportErrorLog > 10_000) {
          lastExportErrorLog = Date.now();
          out.event('demo export failed', { job: identity.name, instance: identity.instanceId, error: error?.message ?? 'unknown' });
          out.line(`  ! export from ${identity.name} failed: ${error?.message ?? 'unknown error'} (retried with the next export)`);
        }
      },
    }),
  );
  const [paymentsTel, canaryTel, webhooksTel, checkoutTel, billingTel, senderTel] = telemetry as [
    ServiceTelemetry, ServiceTelemetry, ServiceTelemetry, ServiceTelemetry, ServiceTelemetry, ServiceTelemetry,
  ];

  const secrets = new DemoSecrets(opts.secretSeed);
  const kms = new SimulatedKms();
  const now = Date.now();
  const keys = { current: monthKeyId('pay', now - 40 * DAY_MS), leaked: monthKeyId('pay', now - 200 * DAY_MS), rotations: 0 };
  // Unwrapped keys stay cached 15 s of demo time (at least 100 ms): frequent enough KMS traffic for
  // its latency and error ratio to be measurable in a compressed 5m window.
  const cacheTtlMs = () => Math.max(100, 15_000 / opts.speed);
  const window = durationSeconds(opts.config.alerting.failureModes.timestampWindow);
  const paymentsInstance = (tel: ServiceTelemetry, lowerCasesPaths: boolean): Promise<PaymentsApi> => {
    const store = new KmsKeyStore({ kms, cacheTtlMs, kmsTimeoutMs: KMS_TIMEOUT_MS, meterProvider: tel.meterProvider, tracerProvider: tel.tracerProvider, owner: 'payments-team' });
    store.add(keys.leaked, undefined, 'revoked', now - 200 * DAY_MS);
    store.add(keys.current, secrets.secretFor(keys.current), 'active', now - 40 * DAY_MS);
    return startPaymentsApi({ telemetry: tel, keyStore: store, timestampWindowSeconds: window, lowerCasesPaths });
  };
  const webhookKeyId = monthKeyId('whk', now - 60 * DAY_MS);
  const webhookKeyRing = createKeyRing([{ id: webhookKeyId, secret: secrets.secretFor(webhookKeyId), createdAt: now - 60 * DAY_MS }]);
  const [payments, paymentsCanary, webhooks] = await Promise.all([
    paymentsInstance(paymentsTel, false),
    paymentsInstance(canaryTel, true),
    startWebhookReceiver({ telemetry: webhooksTel, keyRing: webhookKeyRing, timestampWindowSeconds: window }),
  ]);
  const paymentsSecret = secrets.secretFor(keys.current);
  const world: DemoWorld = {
    conditions: { ...BASELINE },
    kms,
    secrets,
    keys,
    payments,
    paymentsCanary,
    webhooks,
    webhookKeyRing,
    checkout: new SignedClient({ telemetry: checkoutTel, signedHeaders: ['host', 'content-type'], keyId: keys.current, secret: paymentsSecret }),
    // billing-worker runs as a serverless job: its signing key is unwrapped through the KMS (rate-limited signing when it throttles).
    billing: new SignedClient({
      telemetry: billingTel,
      signedHeaders: ['host', 'content-type'],
      keyId: keys.current,
      secret: paymentsSecret,
      keyStore: new KmsKeyStore({ kms, cacheTtlMs, kmsTimeoutMs: KMS_TIMEOUT_MS, meterProvider: billingTel.meterProvider, tracerProvider: billingTel.tracerProvider }),
    }),
    webhookSender: new SignedClient({ telemetry: senderTel, signedHeaders: ['content-type'], keyId: webhookKeyId, secret: secrets.secretFor(webhookKeyId) }),
  };
  recover(world);
  const workload = new Workload(world, totals, createRng(0x5eed));
  const noise = TOURS[opts.tour].noise ? new BackgroundNoise(world, workload) : undefined;
  const alerts = new AlertLog();

  // 3. Where to look.
  const timeline = tourTimeline(opts.tour, opts.scenarios);
  const realMs = (p: PhaseSpec) => Math.round((p.demoMinutes * 60_000) / opts.speed);
  const timelineMs = timeline.reduce((sum, p) => sum + realMs(p), 0);
  const base = urls[0]!;
  // The verifying services' own loopback URLs (payments-api, its canary, webhook-receiver).
  const serviceUrls = [payments.server.url, paymentsCanary.server.url, webhooks.server.url];
  const services = plans(runId).map((p, i) => ({
    job: p.identity.name,
    version: p.identity.version,
    instance: p.identity.instanceId,
    ...(p.identity.resourceAttributes?.['deployment.track'] ? { track: p.identity.resourceAttributes['deployment.track'] } : {}),
    role: p.role,
    ...(serviceUrls[i] ? { url: serviceUrls[i] } : {}),
    pushTo: urls[i % urls.length],
  }));
  out.event('demo started', {
    collector: collector?.url ?? null,
    pushTo: urls,
    statusPage: opts.ui && collector ? `${base}/` : null,
    metrics: `${base}/metrics`,
    slo: `${base}/api/slo`,
    failures: `${base}/api/failures`,
    keyRotation: `${base}/api/keys`,
    speed: opts.speed,
    tour: opts.tour,
    noise: noise !== undefined,
    demoTime: timeScaleText(opts.speed, opts.config.period),
    scenarios: opts.scenarios,
    phases: timeline.map((p) => ({ phase: p.name, scenario: p.scenario, durationMs: realMs(p) })),
    timelineMs,
    loop: opts.loop,
    exportIntervalMs: opts.exportIntervalMs,
    services,
    // Key IDs (never secrets): what the clients sign with, and the leaked key the attacker presents.
    keyIds: { payments: { current: keys.current, leaked: keys.leaked }, webhooks: { current: webhookKeyId } },
    kms: 'SimulatedKms (a simulation: latency, throttling and outages are injected by the scenarios)',
  });
  printBanner(out, {
    collectorUrl: collector?.url,
    urls,
    ui: opts.ui && collector !== undefined,
    speed: opts.speed,
    tour: opts.tour,
    noise: noise !== undefined,
    period: opts.config.period,
    timeline,
    realMs,
    timelineMs,
    loop: opts.loop,
    services,
  });

  // 4. Run: the timeline, the status line, until the end, --duration or a signal.
  workload.start();
  let phaseIndex = 0;
  let phaseEndsAt = Date.now();
  let figures: StatusFigures | undefined;
  let finishReason = 'timeline';
  const stopped = new Promise<string>((resolve) => {
    void opts.stopSignal.then((signal) => resolve(`signal:${signal}`));
    if (opts.durationMs !== undefined) setTimeout(() => resolve('duration'), opts.durationMs).unref();
  });
  let stopping = false;
  void stopped.then((reason) => {
    finishReason = reason;
    stopping = true;
  });

  const statusEveryMs = out.live ? 1_000 : 10_000;
  const statusTimer = setInterval(() => {
    void readStatus(urls).then((f) => {
      figures = f;
      if (f) alerts.observe(f.answers, Date.now());
      const phase = timeline[phaseIndex]!;
      const next = timeline[phaseIndex + 1]?.name ?? (opts.loop ? timeline[0]?.name : undefined);
      const state = { name: phase.name, index: phaseIndex, count: timeline.length, leftMs: phaseEndsAt - Date.now(), next };
      if (out.live) out.status(statusText(state, figures));
      else if (out.format === 'pretty') out.line(statusText(state, figures));
      out.event('demo status', {
        phase: phase.name,
        scenario: phase.scenario,
        index: phaseIndex,
        next: next ?? null,
        nextInMs: Math.max(0, state.leftMs),
        sent: workload.sent,
        verifications: f?.requests ?? null,
        successRate5m: f?.successRate5m ?? null,
        budgetRemaining: f?.budget ?? null,
      });
    });
  }, statusEveryMs);

  let round = 0;
  timelineLoop: do {
    for (phaseIndex = 0; phaseIndex < timeline.length; phaseIndex++) {
      const phase = timeline[phaseIndex]!;
      const durationMs = realMs(phase);
      // The noise starts once the opening phase is over (noise.ts says why).
      if (phaseIndex === 1 && round === 0) noise?.start();
      phase.enter(world);
      phaseEndsAt = Date.now() + durationMs;
      out.event('demo phase', { phase: phase.name, scenario: phase.scenario, index: phaseIndex, round, durationMs, description: phase.description });
      out.line(`[${new Date().toISOString().slice(11, 19)}] phase ${phaseIndex + 1}/${timeline.length} ${phase.name} — ${phase.description} (${formatClock(durationMs)})`);
      const started = Date.now();
      while (!stopping && Date.now() < phaseEndsAt) {
        await Promise.race([stopped, sleep(Math.min(250, phaseEndsAt - Date.now()))]);
        phase.update?.(world, Math.min(1, (Date.now() - started) / durationMs));
      }
      alerts.ran(phase.scenario, ((Date.now() - started) * opts.speed) / 60_000);
      if (stopping) break timelineLoop;
    }
    round++;
  } while (opts.loop);
  phaseIndex = Math.min(phaseIndex, timeline.length - 1);

  // 5. Stop: no new requests, wait for answers, final exports, totals, collector snapshot.
  clearInterval(statusTimer);
  out.clearStatus();
  out.line(`stopping (${finishReason}): final export of every service, then the collector…`);
  noise?.stop();
  await workload.stop();
  await Promise.all([payments.close(), paymentsCanary.close(), webhooks.close()]);
  destroyAgent();
  const failuresBefore = sumValues(exportFailures);
  await Promise.all(telemetry.map((t) => t.shutdown()));
  const finalExportFailed = sumValues(exportFailures) > failuresBefore;
  let totalsError: string | undefined;
  try {
    totals.writeNow();
  } catch (err) {
    totalsError = (err as Error).message;
  }
  if (collector) await collector.stop();
  const snapshot = totals.snapshot();
  const verifications = Object.fromEntries(
    Object.entries(snapshot.verifications).map(([job, counts]) => [job, Object.values(counts).reduce((a, b) => a + b, 0)]),
  );
  const failures = failuresByReason(snapshot);
  const prefix = opts.config.alerting.alertPrefix;
  const burnAlerts = alerts.burnAlerts();
  const expectedAlerts = alerts.expectedAlerts(prefix);
  out.event('demo finished', {
    reason: finishReason,
    elapsedMs: Date.now() - startedAt,
    rounds: round,
    sent: workload.sent,
    verifications,
    failuresByReason: failures,
    burnAlertsHeld: burnAlerts.map(({ job, slo, severity, long, short, factor }) => ({ job, slo, severity, long, short, factor })),
    expectedAlerts,
    totalsFile: opts.totalsFile ?? null,
    ...(totalsError ? { totalsError } : {}),
    finalExportFailed,
  });
  out.line(`finished (${finishReason}) after ${formatClock(Date.now() - startedAt)}: ${workload.sent} requests sent; verifications per job ${JSON.stringify(verifications)}`);
  const verified = Object.values(verifications).reduce((a, b) => a + b, 0);
  for (const l of summaryLines({ sent: workload.sent, verifications: verified, signingFailures: workload.signingFailures, failures, burnAlerts, expectedAlerts, alertPrefix: prefix })) out.line(l);
  if (finalExportFailed) out.line('  ! a final export failed: the collector may be missing the last counts');
  if (totalsError) throw new Error(`could not write --totals: ${totalsError}`);
}

function sumValues(m: Map<string, number>): number {
  let s = 0;
  for (const v of m.values()) s += v;
  return s;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

function printBanner(
  out: DemoOutput,
  b: {
    collectorUrl: string | undefined;
    urls: readonly string[];
    ui: boolean;
    speed: number;
    tour: TourName;
    noise: boolean;
    period: string;
    timeline: readonly PhaseSpec[];
    realMs: (p: PhaseSpec) => number;
    timelineMs: number;
    loop: boolean;
    services: ReadonlyArray<{ job: string; version: string; track?: string; role: string }>;
  },
): void {
  const base = b.urls[0]!;
  const lines = [
    '',
    `hmac-slo demo — simulated services pushing OTLP ${b.collectorUrl ? 'to an embedded collector' : `to ${b.urls.join(', ')}`} (speed ${b.speed}×)`,
    '',
    `  collector      ${b.collectorUrl ?? b.urls.join(', ')}   (OTLP/HTTP: /v1/metrics, /v1/traces)`,
    ...(b.ui ? [`  status page    ${base}/`] : []),
    `  metrics        ${base}/metrics`,
    `  SLOs           ${base}/api/slo`,
    `  failures       ${base}/api/failures`,
    `  key rotation   ${base}/api/keys`,
    '',
    '  services',
    ...b.services.map((s) => `    ${(s.job + ' ' + s.version + (s.track ? ' (canary)' : '')).padEnd(34)} ${s.role}`),
    '    SimulatedKms                       a SIMULATED KMS: latency, throttling and outages are injected',
    '',
    `  ${b.tour} tour (${formatClock(b.timelineMs)} at ${b.speed}×${b.loop ? ', looping' : ''}): ${b.timeline.map((p) => p.name).join(' → ')}`,
    `  demo time      ${timeScaleText(b.speed, b.period)}`,
    ...(b.noise ? ['  noise          background noise from the end of the opening phase: a skewed clock, a stale client on a revoked key, a key-ID scanner'] : []),
    ...(b.tour === 'quick' ? ['  tip: `npm start -- --tour full` runs the realistic timeline (about 3.5 hours at speed 1)'] : []),
    ...(b.tour === 'full' && b.speed === 1 ? ['  tip: `npm start -- --tour full --speed 30` runs the whole timeline in a few minutes'] : []),
    '',
    'Ctrl-C stops: final export of every service, the collector writes its state, then a summary.',
    '',
  ];
  for (const l of lines) out.line(l);
}
