/**
 * The one place tests start a real Prometheus (`Prometheus.run`, port 0, ready before it resolves).
 * For the end-to-end test it is configured from the docker-compose stack's own
 * deploy/prometheus/prometheus.yml: the same collector scrape job (honor_labels) and alerting, with only the addresses, rule file paths and intervals
 * rewritten for loopback and a compressed timeline.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { Children, readyUrl, ROOT, type Child } from './processes.js';

export interface PrometheusOptions {
  /** host:port of each collector to scrape. */
  collectors: readonly string[];
  /** host:port of Alertmanager. */
  alertmanager: string;
  ruleFiles: readonly string[];
  /** Scrape and rule evaluation interval. */
  interval: string;
  dir: string;
  /** Extra settings of the collector scrape job (scheme, tls_config, basic_auth, …). */
  collectorScrape?: Record<string, unknown>;
}

/** deploy/prometheus/prometheus.yml with the stack's addresses replaced by the test's. */
export function prometheusConfig(o: PrometheusOptions): Record<string, unknown> {
  const base = parse(readFileSync(join(ROOT, 'deploy', 'prometheus', 'prometheus.yml'), 'utf8')) as Record<string, any>;
  const scrapeJobs = (base.scrape_configs as any[])
    .filter((j) => j.job_name !== 'prometheus')
    .map((j) => {
      const targetsCollector = j.static_configs?.some((s: any) => s.targets.some((t: string) => t.startsWith('collector:')));
      if (!targetsCollector) throw new Error(`deploy/prometheus/prometheus.yml: unexpected scrape job ${j.job_name}`);
      return { ...j, ...o.collectorScrape, static_configs: [{ targets: [...o.collectors] }] };
    });
  return {
    ...base,
    global: { ...base.global, scrape_interval: o.interval, evaluation_interval: o.interval, scrape_timeout: o.interval },
    rule_files: [...o.ruleFiles],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [o.alertmanager] }] }] },
    scrape_configs: scrapeJobs,
  };
}

export interface Sample {
  metric: Record<string, string>;
  value: number;
}

export class Prometheus {
  constructor(
    readonly url: string,
    readonly child: Child,
  ) {}

  /** The stack's Prometheus (deploy/prometheus/prometheus.yml rewritten by `prometheusConfig`). */
  static start(children: Children, o: PrometheusOptions): Promise<Prometheus> {
    return Prometheus.run(children, o.dir, prometheusConfig(o), [
      '--web.enable-lifecycle',
      // Resend firing alerts every second so Alertmanager keeps them active across the short timeline.
      '--rules.alert.resend-delay=1s',
      '--log.level=info',
    ]);
  }

  /**
   * Any Prometheus: `config` written to `dir`/prometheus.yml, its TSDB in `dir`/tsdb, on a port the OS
   * picks (read back from its log); resolves once `/-/ready` answers.
   */
  static async run(children: Children, dir: string, config: Record<string, unknown>, args: readonly string[] = []): Promise<Prometheus> {
    const file = join(dir, 'prometheus.yml');
    writeFileSync(file, stringify(config));
    const child = children.spawn('prometheus', 'prometheus', [
      `--config.file=${file}`,
      `--storage.tsdb.path=${join(dir, 'tsdb')}`,
      '--web.listen-address=127.0.0.1:0',
      ...args,
    ]);
    return new Prometheus(await readyUrl(child), child);
  }

  private async api(path: string, params: Record<string, string>): Promise<any> {
    const res = await fetch(`${this.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
    });
    const body = (await res.json()) as { status: string; data: any; error?: string };
    if (body.status !== 'success') throw new Error(`Prometheus ${path} ${JSON.stringify(params)}: ${body.error}`);
    return body.data;
  }

  /** Instant query; vector results as samples (scalars as one sample without labels). */
  async query(expr: string, timeSec?: number): Promise<Sample[]> {
    const data = await this.api('/api/v1/query', { query: expr, ...(timeSec !== undefined ? { time: String(timeSec) } : {}) });
    if (data.resultType === 'scalar') return [{ metric: {}, value: Number(data.result[1]) }];
    if (data.resultType !== 'vector') throw new Error(`${expr}: expected a vector, got ${data.resultType}`);
    return (data.result as { metric: Record<string, string>; value: [number, string] }[]).map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }

  /** Raw samples of a range selector such as `metric[30s]` at `timeSec`. */
  async rawRange(selector: string, timeSec: number): Promise<{ metric: Record<string, string>; values: [number, number][] }[]> {
    const data = await this.api('/api/v1/query', { query: selector, time: String(timeSec) });
    if (data.resultType !== 'matrix') throw new Error(`${selector}: expected a matrix, got ${data.resultType}`);
    return (data.result as { metric: Record<string, string>; values: [number, string][] }[]).map((r) => ({
      metric: r.metric,
      values: r.values.map(([t, v]) => [t, Number(v)] as [number, number]),
    }));
  }

  /** Range query over [start, end] at `stepSec`: does the expression return any point? */
  async rangeHasData(expr: string, startSec: number, endSec: number, stepSec: number): Promise<number> {
    const data = await this.api('/api/v1/query_range', { query: expr, start: String(startSec), end: String(endSec), step: String(stepSec) });
    return (data.result as { values: unknown[] }[]).reduce((n, r) => n + r.values.length, 0);
  }

  /** Health of every scrape target. */
  async targets(): Promise<{ scrapeUrl: string; health: string; lastError: string }[]> {
    const res = await fetch(`${this.url}/api/v1/targets?state=active`);
    const body = (await res.json()) as { data: { activeTargets: { scrapeUrl: string; health: string; lastError: string }[] } };
    return body.data.activeTargets;
  }

  /**
   * Rules that did not evaluate cleanly, as `group rule: health error`; [] when all did. A rule of a
   * group on a slower clock than the others (the leaked-key baseline, recorded once an hour) that has
   * not run yet is checked by running its query instead.
   */
  async ruleProblems(): Promise<string[]> {
    const res = await fetch(`${this.url}/api/v1/rules`);
    const body = (await res.json()) as { data: { groups: { name: string; interval: number; rules: { name: string; query: string; health: string; lastError?: string }[] }[] } };
    const groups = body.data.groups;
    const fastest = Math.min(...groups.map((g) => g.interval));
    const problems: string[] = [];
    for (const g of groups) {
      for (const r of g.rules) {
        if (r.health === 'unknown' && g.interval > fastest) await this.query(r.query).catch((e: Error) => problems.push(`${g.name} ${r.name}: ${e.message}`));
        else if (r.health !== 'ok') problems.push(`${g.name} ${r.name}: ${r.health} ${r.lastError}`);
      }
    }
    return problems;
  }

  /** Rule groups as Prometheus loaded them (to check every rule evaluates without error). */
  async rules(): Promise<{ name: string; rules: { name: string; health: string; lastError?: string; type: string }[] }[]> {
    const res = await fetch(`${this.url}/api/v1/rules`);
    const body = (await res.json()) as { data: { groups: { name: string; rules: { name: string; health: string; lastError?: string; type: string }[] }[] } };
    return body.data.groups;
  }
}
