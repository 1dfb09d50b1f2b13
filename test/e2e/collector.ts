/**
 * `hmac-slo collector` as a real process on a loopback port (picked by the OS at the first start, read
 * from its "collector listening" line, and kept across restarts so the pushers and Prometheus find it
 * again), with its state directory; plus readers for its /metrics and /api/slo.
 */
import { parseExposition } from '../collector/collector-process.js';
import { Children, waitFor, type Child } from './processes.js';

export interface SloWindow {
  window: string;
  errorRatio: number;
  burnRate: number;
  events: number;
  badEvents: number;
}
export interface SloStatus {
  job: string;
  slo: string;
  objective: number;
  windows: SloWindow[];
}

export class Collector {
  child!: Child;
  private starts = 0;
  /** 0 until the first start has bound one. */
  port = 0;

  constructor(
    private readonly children: Children,
    readonly name: string,
    readonly stateDir: string,
    readonly configFile: string,
  ) {}

  get hostPort(): string {
    return `127.0.0.1:${this.port}`;
  }
  get url(): string {
    return `http://${this.hostPort}`;
  }

  async start(): Promise<void> {
    this.starts++;
    this.child = this.children.spawn(`${this.name}${this.starts > 1 ? `-restart${this.starts - 1}` : ''}`, process.execPath, [
      '--conditions=source', '--import', 'tsx', 'src/cli.ts', 'collector',
      '--listen', this.hostPort, '--state-dir', this.stateDir, '--no-ui', '--config', this.configFile,
    ]);
    const url = await waitFor(`${this.name} listening`, () => {
      if (!this.child.running()) throw new Error(`${this.name} exited:\n${this.child.output()}`);
      const line = this.child.output().split('\n').find((l) => l.includes('collector listening'));
      return line ? (JSON.parse(line) as { url: string }).url : undefined;
    }, 30_000, 100);
    this.port = Number(new URL(url).port);
  }

  /** SIGKILL: no shutdown, no final snapshot. */
  async kill(): Promise<void> {
    await this.child.kill();
  }

  async metrics(): Promise<Map<string, number>> {
    const res = await fetch(`${this.url}/metrics`);
    if (!res.ok) throw new Error(`${this.name} /metrics: ${res.status}`);
    return parseExposition(await res.text());
  }

  async slo(): Promise<SloStatus[]> {
    const res = await fetch(`${this.url}/api/slo`);
    if (!res.ok) throw new Error(`${this.name} /api/slo: ${res.status}`);
    return ((await res.json()) as { slos: SloStatus[] }).slos;
  }
}
