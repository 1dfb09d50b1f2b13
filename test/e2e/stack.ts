/**
 * The whole hmac-slo stack as real processes on loopback, driven through one compressed demo
 * timeline:
 *
 *   demo services ──OTLP──► collector A ─┐                         ┌─► webhook receiver (in the test)
 *   (split by --push-to A,B) collector B ─┴─► Prometheus (rules) ──► Alertmanager
 *
 * Rules are generated for the same config with `hmac-slo generate --time-scale SPEED`, so the
 * collectors (same config file, `timeScale: SPEED`), the rules and the demo (`--speed SPEED`) share
 * one clock. Mid-run, collector A is SIGKILLed and restarted on the same port and state directory.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startAlertmanager, WebhookReceiver } from '../support/alertmanager.js';
import { Collector, SOURCE_CLI } from '../support/collector.js';
import { Children, waitFor, type Child } from '../support/processes.js';
import { Prometheus } from '../support/prometheus.js';

export interface StackOptions {
  speed: number;
  scenarios: readonly string[];
  /** Demo phase (by index) during which collector A is killed, and how far into it (fraction). */
  killDuringPhase: number;
  killAt: number;
  /**
   * Stop the demo (SIGTERM: a graceful stop with every service's final export and totals) this far
   * (fraction) into the named phase, instead of at the timeline's end: a last scenario whose first
   * step is all a test needs costs only that much of it.
   */
  stopDuringPhase?: { phase: string; at: number };
  /**
   * Which collector each demo service pushes to, as indexes into the collectors (the demo sends
   * service i to URL[i mod n] of its --push-to list).
   */
  pushTo: readonly number[];
  /** Seconds: scrape and rule evaluation interval. */
  interval: number;
  demoTimeoutMs: number;
  /** Further hmac-slo.yaml settings for the collectors and the rules (next to `timeScale`). */
  config?: Record<string, unknown>;
}

export interface Phase {
  phase: string;
  scenario: string;
  index: number;
  durationMs: number;
  /** When the line was read (ms epoch). */
  at: number;
}

export interface Totals {
  verifications: Record<string, Record<string, number>>;
  exportedAt: number;
}

export class Stack {
  readonly children = new Children();
  readonly dir = mkdtempSync(join(tmpdir(), 'hmac-slo-e2e-'));
  readonly configFile = join(this.dir, 'hmac-slo.yaml');
  readonly totalsFile = join(this.dir, 'totals.json');
  readonly phases: Phase[] = [];
  webhook!: WebhookReceiver;
  prometheus!: Prometheus;
  collectors: Collector[] = [];
  demo!: Child;
  demoExit?: { code: number | null; signal: NodeJS.Signals | null };
  /** ms epoch. */
  startedAt = 0;
  demoStartedAt = 0;
  demoEndedAt = 0;
  killedAt = 0;
  restartedAt = 0;
  /** The demo reached `stopDuringPhase` and is (being) stopped there. */
  stopRequested = false;

  constructor(readonly opts: StackOptions) {}

  /** The rule files for this config and speed, rendered by the real CLI. */
  private generateRules(): { gen: Child; out: string } {
    const out = join(this.dir, 'generated');
    const gen = this.children.spawn('generate', process.execPath, [
      ...SOURCE_CLI, 'generate',
      '--config', this.configFile, '--time-scale', String(this.opts.speed), '--out', out,
    ]);
    return { gen, out };
  }

  async start(): Promise<void> {
    this.startedAt = Date.now();
    writeFileSync(
      this.configFile,
      `# end-to-end test: every window, for and period divided by the demo speed\ntimeScale: ${this.opts.speed}\n` +
        Object.entries(this.opts.config ?? {}).map(([k, v]) => `${k}: ${JSON.stringify(v)}\n`).join(''),
    );
    const { gen, out } = this.generateRules();
    const ruleFiles = [join(out, 'prometheus', 'rules.yaml'), join(out, 'prometheus', 'alerts.yaml')];

    this.webhook = await WebhookReceiver.start();
    this.collectors = [
      new Collector(this.children, 'collector-a', join(this.dir, 'state-a'), this.configFile),
      new Collector(this.children, 'collector-b', join(this.dir, 'state-b'), this.configFile),
    ];
    // Every server binds a port the OS picks and reports it; Prometheus's config needs the
    // collectors' and Alertmanager's, so it starts once they are up.
    const [am] = await Promise.all([startAlertmanager(this.children, this.dir, this.webhook.url), ...this.collectors.map((c) => c.start())]);
    const { code } = await gen.exited;
    if (code !== 0 || !ruleFiles.every((f) => existsSync(f))) throw new Error(`hmac-slo generate failed:\n${gen.output()}`);
    this.prometheus = await Prometheus.start(this.children, {
      collectors: this.collectors.map((c) => c.hostPort),
      alertmanager: am.hostPort,
      ruleFiles,
      interval: `${this.opts.interval}s`,
      dir: this.dir,
    });
    await waitFor('Prometheus scraping both collectors', async () => {
      const targets = await this.prometheus.targets();
      return targets.length === 2 && targets.every((t) => t.health === 'up');
    }, 30_000, 250);
  }

  /** Run the demo to its end, killing and restarting collector A on the way. */
  async runDemo(): Promise<void> {
    const o = this.opts;
    const urls = o.pushTo.map((i) => this.collectors[i]!.url).join(',');
    const args = ['--push-to', urls, '--tour', 'full', '--speed', String(o.speed), '--scenario', o.scenarios.join(','), '--totals', this.totalsFile, '--log-format', 'json', '--no-ui'];
    this.demo = this.children.spawn('demo', process.execPath, [...SOURCE_CLI, 'demo', ...args]);
    this.demoStartedAt = Date.now();
    let killing: Promise<void> | undefined;
    this.demo.onLine((line, at) => {
      if (!line.startsWith('{')) return;
      let msg: { msg?: string; phase?: string; scenario?: string; index?: number; durationMs?: number };
      try {
        msg = JSON.parse(line);
      } catch {
        return;
      }
      if (msg.msg !== 'demo phase') return;
      const phase: Phase = { phase: msg.phase!, scenario: msg.scenario!, index: msg.index!, durationMs: msg.durationMs!, at };
      this.phases.push(phase);
      if (phase.index === o.killDuringPhase) killing = this.killAndRestart(phase.durationMs * o.killAt);
      if (phase.phase === o.stopDuringPhase?.phase) {
        this.stopRequested = true;
        void sleep(phase.durationMs * o.stopDuringPhase.at).then(() => this.demo.process.kill('SIGTERM'));
      }
    });
    const timeout = new AbortController();
    const exit = await Promise.race([this.demo.exited, sleep(o.demoTimeoutMs, undefined, { signal: timeout.signal }).catch(() => undefined)]);
    timeout.abort(); // no timer left to keep the test process alive
    if (!exit) throw new Error(`the demo did not finish within ${o.demoTimeoutMs} ms`);
    this.demoExit = exit;
    this.demoEndedAt = Date.now();
    await killing;
  }

  private async killAndRestart(afterMs: number): Promise<void> {
    await sleep(afterMs);
    const a = this.collectors[0]!;
    await a.kill();
    this.killedAt = Date.now();
    await sleep(1000);
    await a.start();
    this.restartedAt = Date.now();
  }

  totals(): Totals {
    return JSON.parse(readFileSync(this.totalsFile, 'utf8')) as Totals;
  }

  /** Start and end (ms epoch) of a failure scenario: its phases (one or two steps) until the next steady one. */
  failurePhase(scenario: string): { start: number; end: number } | undefined {
    const i = this.phases.findIndex((p) => p.scenario === scenario && p.phase !== 'steady');
    if (i < 0) return undefined;
    const next = this.phases.slice(i + 1).find((p) => p.scenario !== scenario);
    return { start: this.phases[i]!.at, end: next?.at ?? this.demoEndedAt };
  }

  async stop(): Promise<void> {
    await this.children.killAll();
    await this.webhook?.close();
    rmSync(this.dir, { recursive: true, force: true, maxRetries: 3 });
  }
}
