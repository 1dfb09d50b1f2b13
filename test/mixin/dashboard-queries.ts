/**
 * Every Prometheus query of the generated dashboards, ready to run against a plain Prometheus.
 *
 * Stable export (the end-to-end test imports it to check that every panel returns data):
 *
 *   dashboardQueries(options?) → DashboardQuery[]
 *     one entry per panel target of dashboards/generated/*.json, in file, panel and target order:
 *     { uid, file, dashboardTitle, panelTitle, panelType, refId, instant, expr, promql, mayBeEmpty? }
 *     - `expr`   the query exactly as Grafana receives it (template variables unexpanded);
 *     - `promql` the same with every variable substituted the way Grafana would with "All" selected:
 *                `$job` → the variable's All regex (`.+`), `$key_id` → `.*` (its All regex, which
 *                also keeps series without the label), `$collector_url` → its default,
 *                `$__rate_interval` and `$__interval` → `options.rateInterval` (default `1m`),
 *                `$__range` → `options.range` (default `1h`), `$__range_s` / `$__range_ms` in
 *                seconds / milliseconds; `options.variables` overrides any of them by name;
 *     - `instant` whether the panel runs it as an instant query (tables) rather than a range query;
 *     - `mayBeEmpty` set (to the reason) for the queries that legitimately return nothing on a
 *                healthy system: firing alerts, and the canary series when nothing is labelled canary.
 *
 *   substituteVariables(expr, templating, options?) → string   (the substitution alone)
 *
 * Unknown variables throw, so a new variable cannot silently produce an unrunnable query.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GrafanaDashboard, TemplateVariable } from '../../src/generate/mixin-model.js';

export interface DashboardQuery {
  /** Dashboard uid (stable: `hmac-slo-executive`, `hmac-slo-oncall`, `hmac-slo-debug`). */
  uid: string;
  /** File name under dashboards/generated. */
  file: string;
  dashboardTitle: string;
  panelTitle: string;
  panelType: string;
  refId: string;
  instant: boolean;
  /** The raw expression with Grafana template variables. */
  expr: string;
  /** `expr` with every variable substituted: runs against a plain Prometheus. */
  promql: string;
  /** Why this query may return no series on a healthy system (absent = it should return data). */
  mayBeEmpty?: string;
}

export interface QueryOptions {
  /** Directory of the dashboard JSON files (default: the repository's dashboards/generated). */
  dir?: string;
  /** What `$__rate_interval` (and `$__interval`) become (default `1m`). */
  rateInterval?: string;
  /** What `$__range` becomes (default `1h`). */
  range?: string;
  /** Values for named template variables (e.g. `{ job: 'payments' }`); regexes for job/key_id. */
  variables?: Record<string, string>;
}

/** The generated dashboards' model (src/generate/mixin-model.ts), under the name this module always exported. */
export type Dashboard = GrafanaDashboard;

export const GENERATED_DIR = join(import.meta.dirname, '..', '..', 'dashboards', 'generated');

const UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };

function durationMs(d: string): number {
  const m = /^(\d+)(ms|s|m|h|d|w|y)$/.exec(d);
  if (!m) throw new Error(`not a single-unit Prometheus duration: ${d}`);
  return Number(m[1]) * UNITS_MS[m[2]!]!;
}

/** The dashboards, by file name. */
export function loadDashboards(dir = GENERATED_DIR): Map<string, Dashboard> {
  const out = new Map<string, Dashboard>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    out.set(file, JSON.parse(readFileSync(join(dir, file), 'utf8')) as Dashboard);
  }
  return out;
}

/** Replace Grafana variables (`$name`, `${name}`, `${name:format}`) in one expression. */
export function substituteVariables(expr: string, templating: readonly TemplateVariable[], options: QueryOptions = {}): string {
  const rate = options.rateInterval ?? '1m';
  const range = options.range ?? '1h';
  const builtins: Record<string, string> = {
    __rate_interval: rate,
    __interval: rate,
    __range: range,
    __range_s: String(Math.round(durationMs(range) / 1000)),
    __range_ms: String(durationMs(range)),
  };
  const valueOf = (name: string): string => {
    if (options.variables && name in options.variables) return options.variables[name]!;
    if (name in builtins) return builtins[name]!;
    const v = templating.find((t) => t.name === name);
    if (!v) throw new Error(`unknown template variable $${name} in ${expr}`);
    if (v.includeAll && v.allValue !== undefined) return v.allValue;
    if (v.type === 'textbox' && typeof v.query === 'string') return v.query;
    const cur = v.current?.value;
    if (typeof cur === 'string') return cur;
    throw new Error(`template variable $${name} has no value to substitute`);
  };
  return expr.replace(/\$\{(\w+)(?::[\w-]+)?\}|\$(\w+)/g, (_m, braced: string | undefined, bare: string | undefined) => valueOf((braced ?? bare)!));
}

/** Known reasons a query may legitimately return nothing, by panel title and expression. */
function emptyReason(panelTitle: string, expr: string): string | undefined {
  if (/\bALERTS\{/.test(expr)) return 'no hmac-slo alert is firing';
  if (/Canary vs stable/.test(panelTitle) && /="canary"/.test(expr)) return 'no series carries the canary label';
  return undefined;
}

export function dashboardQueries(options: QueryOptions = {}): DashboardQuery[] {
  const out: DashboardQuery[] = [];
  for (const [file, d] of loadDashboards(options.dir)) {
    for (const panel of d.panels) {
      for (const t of panel.targets ?? []) {
        if (!t.expr) continue;
        const mayBeEmpty = emptyReason(panel.title, t.expr);
        out.push({
          uid: d.uid,
          file,
          dashboardTitle: d.title,
          panelTitle: panel.title,
          panelType: panel.type,
          refId: t.refId ?? '',
          instant: t.instant === true,
          expr: t.expr,
          promql: substituteVariables(t.expr, d.templating.list, options),
          ...(mayBeEmpty ? { mayBeEmpty } : {}),
        });
      }
    }
  }
  return out;
}
