/**
 * Prometheus names for pushed instruments and their attributes. The contract's instruments use
 * their contract name (`INSTRUMENTS_BY_OTEL_NAME` → `.prometheus`), also when pushed under the
 * `…_seconds` names that `PROMETHEUS_EXPORTER_VIEWS` produce, so every road lands in the same
 * family. Other names get the usual OTel → Prometheus translation: invalid characters → `_`, a unit
 * suffix (`_seconds` for `s`, ...) unless the name already ends with it, `_total` for monotonic sums.
 *
 * Attribute keys become label names that are valid and unique within a series whatever was pushed
 * (see `labelPairs`): one bad push must never make the exposition unparseable for every job.
 */
import { INSTRUMENTS_BY_OTEL_NAME, promLabel, type InstrumentSpec } from '@hmac-slo/instrumentation/contract';

/** A Map, not an object literal: a unit of `constructor` or `__proto__` must not reach Object.prototype. */
const UNIT_WORDS: ReadonlyMap<string, string> = new Map([
  ['s', 'seconds'],
  ['ms', 'milliseconds'],
  ['us', 'microseconds'],
  ['ns', 'nanoseconds'],
  ['min', 'minutes'],
  ['h', 'hours'],
  ['d', 'days'],
  ['By', 'bytes'],
  ['KiBy', 'kibibytes'],
  ['MiBy', 'mebibytes'],
  ['KBy', 'kilobytes'],
  ['MBy', 'megabytes'],
  ['%', 'percent'],
  ['Hz', 'hertz'],
]);

/** Prometheus' rules for metric and label names. */
export const METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
export const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The contract instrument a pushed name stands for (itself, or its `_seconds` view name). */
export function contractInstrument(name: string): InstrumentSpec | undefined {
  const direct = INSTRUMENTS_BY_OTEL_NAME.get(name);
  if (direct) return direct;
  if (name.endsWith('_seconds')) {
    const base = INSTRUMENTS_BY_OTEL_NAME.get(name.slice(0, -'_seconds'.length));
    if (base?.unit === 's') return base;
  }
  return undefined;
}

export function sanitizeName(name: string): string {
  let out = name.replace(/[^a-zA-Z0-9_:]/g, '_').replace(/__+/g, '_');
  if (out === '' || /^[0-9]/.test(out)) out = `_${out}`;
  return out;
}

export function prometheusName(name: string, unit: string, monotonicSum: boolean, isGauge: boolean): string {
  const spec = contractInstrument(name);
  if (spec) return spec.prometheus;
  let out = sanitizeName(name);
  const cleanUnit = unit.replace(/\{[^}]*\}/g, '').trim();
  let word = UNIT_WORDS.get(cleanUnit) ?? (cleanUnit === '1' && isGauge ? 'ratio' : sanitizeName(cleanUnit).replace(/^_+|_+$/g, ''));
  if (cleanUnit === '1' && !isGauge) word = '';
  if (word && !out.split('_').includes(word)) out = `${out}_${word}`;
  if (monotonicSum && !out.endsWith('_total')) out = `${out}_total`;
  return out;
}

/** The OTel name a series is stored under: the contract name for contract instruments. */
export function canonicalName(name: string): string {
  return contractInstrument(name)?.name ?? name;
}

/**
 * Every sample name a family writes in either exposition format (OpenMetrics drops a counter's
 * `_total` from the family name). Two families sharing any of these would break the parse of the
 * whole scrape (a second HELP for one name), so the aggregator lets only one family own each.
 */
export function familyNames(promName: string, kind: SeriesKind): string[] {
  if (kind === 'histogram') return [promName, `${promName}_bucket`, `${promName}_sum`, `${promName}_count`, `${promName}_created`];
  if (kind === 'counter') {
    const base = promName.endsWith('_total') ? promName.slice(0, -'_total'.length) : promName;
    return [promName, base, `${base}_created`];
  }
  return [promName];
}

/** The collector's own families (`hmac_slo_collector_*`) and the old SLO series names: never taken by a pushed name. */
export const RESERVED_NAME_PREFIX = 'hmac_slo_';

export type SeriesKind = 'counter' | 'gauge' | 'histogram';

/** How the aggregator stores a contract instrument's points. */
export function contractKind(spec: InstrumentSpec): SeriesKind {
  return spec.kind === 'counter' ? 'counter' : spec.kind === 'histogram' ? 'histogram' : 'gauge';
}

/** Every sample name of the contract's families: only the contract's instruments may write them. */
const CONTRACT_SAMPLE_NAMES: ReadonlySet<string> = new Set([...INSTRUMENTS_BY_OTEL_NAME.values()].flatMap((s) => familyNames(s.prometheus, contractKind(s))));

/**
 * Why a pushed instrument may not have the family `promName` whatever was pushed before (undefined
 * when it may): the collector's own families and the contract's belong to them, so a stray name
 * pushed first can never lock out the instruments the SLOs are computed from.
 */
export function reservedFamilyProblem(name: string, promName: string, kind: SeriesKind): string | undefined {
  const spec = contractInstrument(name);
  if (spec) return contractKind(spec) === kind ? undefined : `${name} is a ${contractKind(spec)} in the metric contract`;
  if (promName.startsWith(RESERVED_NAME_PREFIX)) return `names starting with ${RESERVED_NAME_PREFIX} are the collector's own`;
  const taken = familyNames(promName, kind).find((n) => CONTRACT_SAMPLE_NAMES.has(n));
  return taken === undefined ? undefined : `${taken} belongs to an instrument of the metric contract`;
}

const labelNameCache = new Map<string, string>();

/**
 * An attribute key as a Prometheus label name: invalid characters → `_`, `key_` before a leading
 * digit, and `exported_` before `job` (the pusher's job), `le` (histogram buckets) and names
 * starting with `__` (reserved by Prometheus). Cached: label names are few.
 */
export function labelName(key: string): string {
  let n = labelNameCache.get(key);
  if (n === undefined) {
    n = promLabel(key);
    if (n === '') n = '_';
    if (/^[0-9]/.test(n)) n = `key_${n}`;
    if (n === 'job' || n === 'le' || n.startsWith('__')) n = `exported_${n.replace(/^_+/, '')}`;
    if (labelNameCache.size < 10_000) labelNameCache.set(key, n);
  }
  return n;
}

/**
 * The labels of a series, sorted by name, unique whatever the attribute keys: keys that become the
 * same label name (`a.b` and `a_b`, `job` and `exported_job`, two non-ASCII keys) share one label
 * whose value is their values joined with `;` in the order of the original keys — the rule of the
 * OpenTelemetry Prometheus compatibility spec. Deterministic: the same attributes always give the
 * same labels.
 */
export function labelPairs(attrs: Readonly<Record<string, string>>): [string, string][] {
  const keys = Object.keys(attrs).sort();
  const byName = new Map<string, string>();
  for (const k of keys) {
    const n = labelName(k);
    const prev = byName.get(n);
    byName.set(n, prev === undefined ? attrs[k]! : `${prev};${attrs[k]!}`);
  }
  return [...byName].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
