/**
 * Prometheus exposition of the aggregated series and of ready-made families (SLO gauges, the
 * collector's own metrics): text format 0.0.4 by default, OpenMetrics 1.0 (with exemplars on
 * histogram buckets) when the scraper asks for it in `Accept`. Strings are built directly — a
 * scrape of 10,000 series must stay well under 100 ms.
 */
import { promLabel } from '@hmac-slo/instrumentation/contract';
import type { PromFamily } from './model.js';
import type { Aggregator, StoredSeries } from './aggregate/aggregator.js';
import { INSTRUMENTS_BY_OTEL_NAME } from '@hmac-slo/instrumentation/contract';

export const TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

export function wantsOpenMetrics(accept: string | undefined): boolean {
  return accept !== undefined && /application\/openmetrics-text/i.test(accept);
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function fmt(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Number.isNaN(v)) return '0';
  return String(v);
}

const labelNameCache = new Map<string, string>();
function labelName(key: string): string {
  let n = labelNameCache.get(key);
  if (n === undefined) {
    n = promLabel(key);
    if (/^[0-9]/.test(n)) n = `key_${n}`;
    if (n === 'job' || n === 'le' || n.startsWith('__')) n = `exported_${n.replace(/^_+/, '')}`;
    if (labelNameCache.size < 10_000) labelNameCache.set(key, n);
  }
  return n;
}

function labelString(job: string | undefined, attrs: Readonly<Record<string, string>>): string {
  let s = job === undefined ? '' : `job="${escapeLabel(job)}"`;
  for (const k of Object.keys(attrs).sort()) {
    s += `${s ? ',' : ''}${job === undefined ? k : labelName(k)}="${escapeLabel(attrs[k]!)}"`;
  }
  return s;
}

function header(out: string[], name: string, type: string, help: string, om: boolean): void {
  const base = om && type === 'counter' && name.endsWith('_total') ? name.slice(0, -6) : name;
  out.push(`# HELP ${base} ${escapeHelp(help)}\n# TYPE ${base} ${type}\n`);
}

/** A series' label text never changes once created: built once, reused by every scrape. */
const labelCache = new WeakMap<object, string>();
function seriesLabels(s: Readonly<StoredSeries>): string {
  let t = labelCache.get(s);
  if (t === undefined) labelCache.set(s, (t = labelString(s.job, s.attributes)));
  return t;
}

const leCache = new Map<number, string>();
function leText(bound: number): string {
  let t = leCache.get(bound);
  if (t === undefined) {
    t = `,le="${fmt(bound)}"} `;
    if (leCache.size < 1000) leCache.set(bound, t);
  }
  return t;
}

/** The aggregated series, one family per Prometheus name, jobs as the `job` label. */
export function writeSeries(out: string[], agg: Aggregator, om: boolean): void {
  const families = new Map<string, Readonly<StoredSeries>[]>();
  for (const s of agg.rawSeries()) {
    let f = families.get(s.promName);
    if (!f) families.set(s.promName, (f = []));
    f.push(s);
  }
  for (const name of [...families.keys()].sort()) {
    const list = families.get(name)!;
    const first = list[0]!;
    const help = first.description || INSTRUMENTS_BY_OTEL_NAME.get(first.name)?.description || first.name;
    header(out, name, first.kind, help, om);
    for (const s of list) {
      const labels = seriesLabels(s);
      if (s.kind !== 'histogram' || !s.histogram) {
        out.push(`${name}{${labels}} ${fmt(s.value)}\n`);
        continue;
      }
      const h = s.histogram;
      let cum = 0;
      for (let i = 0; i < h.counts.length; i++) {
        cum += h.counts[i]!;
        let line = `${name}_bucket{${labels}${i < h.bounds.length ? leText(h.bounds[i]!) : ',le="+Inf"} '}${fmt(cum)}`;
        const e = om ? s.exemplars?.[i] : undefined;
        if (e) line += ` # {trace_id="${e.traceId}",span_id="${e.spanId}"} ${fmt(e.value)} ${fmt(e.timeUnixMs / 1000)}`;
        out.push(`${line}\n`);
      }
      out.push(`${name}_sum{${labels}} ${fmt(h.sum)}\n${name}_count{${labels}} ${fmt(h.count)}\n`);
    }
  }
}

/** Families built elsewhere (SLO engine, self metrics). */
export function writeFamilies(out: string[], families: readonly PromFamily[], om: boolean): void {
  for (const f of families) {
    header(out, f.name, f.type, f.help, om);
    for (const s of f.samples) {
      const labels = labelString(undefined, s.labels);
      out.push(`${f.name}${s.suffix ?? ''}${labels ? `{${labels}}` : ''} ${fmt(s.value)}\n`);
    }
  }
}

export function finish(out: string[], om: boolean): string {
  if (om) out.push('# EOF\n');
  return out.join('');
}
