/**
 * Prometheus exposition of the aggregated series and of ready-made families (the
 * collector's own metrics): text format 0.0.4 by default, OpenMetrics 1.0 (with exemplars on
 * histogram buckets) when the scraper asks for it in `Accept`. Strings are built directly — a
 * scrape of 10,000 series must stay well under 100 ms.
 */
import type { PromFamily } from './model.js';
import type { StoredSeries } from './aggregate/aggregator.js';
import { INSTRUMENTS_BY_OTEL_NAME } from '@hmac-slo/instrumentation/contract';
import { ByteWriter, encode } from './byte-writer.js';
import { labelPairs } from './aggregate/names.js';

export const TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

export function wantsOpenMetrics(accept: string | undefined): boolean {
  return accept !== undefined && /application\/openmetrics-text/i.test(accept);
}

const NEEDS_ESCAPE = /[\\\n"]/;
/** Label values, both formats: backslash, newline and double quote escaped; the rest is UTF-8 as is. */
function escapeLabel(v: string): string {
  // Almost no value needs escaping; testing first saves three regex replacements per label.
  return NEEDS_ESCAPE.test(v) ? v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"') : v;
}

/**
 * HELP text: text format 0.0.4 escapes only backslash and newline (`\"` is an invalid escape
 * there); OpenMetrics escapes double quotes too. A carriage return would end the line for some
 * readers: written as a space. Lone surrogates become U+FFFD when encoded (valid UTF-8).
 */
function escapeHelp(v: string, om: boolean): string {
  const s = v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, ' ');
  return om ? s.replace(/"/g, '\\"') : s;
}

function fmt(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Number.isNaN(v)) return '0';
  // Never `null` or `undefined` in the text, whatever a restored state holds.
  return typeof v === 'number' ? String(v) : 'NaN';
}

/** Families built elsewhere have valid, unique label names: written as they are. */
function plainLabelString(labels: Readonly<Record<string, string>>): string {
  let s = '';
  for (const k of Object.keys(labels).sort()) s += `${s ? ',' : ''}${k}="${escapeLabel(labels[k]!)}"`;
  return s;
}

/** A pushed series' labels: its job, then its attributes as unique, valid label names (names.ts). */
function seriesLabelString(job: string, attrs: Readonly<Record<string, string>>): string {
  let s = `job="${escapeLabel(job)}"`;
  for (const [n, v] of labelPairs(attrs)) s += `,${n}="${escapeLabel(v)}"`;
  return s;
}

function header(out: ByteWriter, name: string, type: string, help: string, om: boolean): void {
  const base = om && type === 'counter' && name.endsWith('_total') ? name.slice(0, -6) : name;
  out.text(`# HELP ${base} ${escapeHelp(help, om)}\n# TYPE ${base} ${type}\n`);
}

/**
 * What never changes in a series' lines once it exists — `name{labels` for the value (or for
 * `_bucket`, `_sum` and `_count`) — encoded once and copied by every scrape.
 */
interface SeriesText {
  value: Buffer;
  bucket: Buffer;
  sum: Buffer;
  count: Buffer;
}
const textCache = new WeakMap<object, SeriesText>();
function seriesText(name: string, s: Readonly<StoredSeries>): SeriesText {
  let t = textCache.get(s);
  if (t === undefined) {
    const labels = seriesLabelString(s.job, s.attributes);
    t = {
      value: encode(`${name}{${labels}} `),
      bucket: encode(`${name}_bucket{${labels}`),
      sum: encode(`${name}_sum{${labels}} `),
      count: encode(`${name}_count{${labels}} `),
    };
    textCache.set(s, t);
  }
  return t;
}

const leCache = new Map<number, Buffer>();
function leText(bound: number): Buffer {
  let t = leCache.get(bound);
  if (t === undefined) {
    t = encode(`,le="${fmt(bound)}"} `);
    if (leCache.size < 1000) leCache.set(bound, t);
  }
  return t;
}
const LE_INF = encode(',le="+Inf"} ');
const NL = encode('\n');

/** The aggregated series, one family per Prometheus name, jobs as the `job` label. */
export function writeSeries(out: ByteWriter, source: { rawSeries(): Iterable<Readonly<StoredSeries>> }, om: boolean): void {
  const families = new Map<string, Readonly<StoredSeries>[]>();
  for (const s of source.rawSeries()) {
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
      const t = seriesText(name, s);
      if (s.kind !== 'histogram' || !s.histogram) {
        out.bytes(t.value);
        out.ascii(fmt(s.value));
        out.bytes(NL);
        continue;
      }
      const h = s.histogram;
      let cum = 0;
      for (let i = 0; i < h.counts.length; i++) {
        cum += h.counts[i]!;
        out.bytes(t.bucket);
        out.bytes(i < h.bounds.length ? leText(h.bounds[i]!) : LE_INF);
        out.ascii(fmt(cum));
        const e = om ? s.exemplars?.[i] : undefined;
        // Trace and span IDs are hex checked at ingestion.
        if (e) out.ascii(` # {trace_id="${e.traceId}",span_id="${e.spanId}"} ${fmt(e.value)} ${fmt(e.timeUnixMs / 1000)}`);
        out.bytes(NL);
      }
      out.bytes(t.sum);
      out.ascii(fmt(h.sum));
      out.bytes(NL);
      out.bytes(t.count);
      out.ascii(fmt(h.count));
      out.bytes(NL);
    }
  }
}

/** Families built elsewhere (SLO engine, self metrics). */
export function writeFamilies(out: ByteWriter, families: readonly PromFamily[], om: boolean): void {
  // The SLO engine shares one labels object between the ratio and burn-rate samples of a window.
  const seen = new Map<object, string>();
  for (const f of families) {
    header(out, f.name, f.type, f.help, om);
    for (const s of f.samples) {
      let labels = seen.get(s.labels);
      if (labels === undefined) seen.set(s.labels, (labels = plainLabelString(s.labels)));
      out.text(`${f.name}${s.suffix ?? ''}${labels ? `{${labels}}` : ''} ${fmt(s.value)}\n`);
    }
  }
}

/** The exposition's bytes, in order. */
export function finish(out: ByteWriter, om: boolean): Buffer[] {
  if (om) out.text('# EOF\n');
  return out.finish();
}
