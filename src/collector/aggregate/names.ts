/**
 * Prometheus family names for pushed instruments. The contract's instruments use their contract
 * name (`INSTRUMENTS_BY_OTEL_NAME` → `.prometheus`), also when pushed under the `…_seconds` names
 * that `PROMETHEUS_EXPORTER_VIEWS` produce, so every road lands in the same family. Other names get
 * the usual OTel → Prometheus translation: invalid characters → `_`, a unit suffix (`_seconds` for
 * `s`, ...) unless the name already ends with it, `_total` for monotonic sums.
 */
import { INSTRUMENTS_BY_OTEL_NAME, type InstrumentSpec } from '@hmac-slo/instrumentation/contract';

const UNIT_WORDS: Record<string, string> = {
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  min: 'minutes',
  h: 'hours',
  d: 'days',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  '%': 'percent',
  Hz: 'hertz',
};

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
  if (/^[0-9]/.test(out)) out = `_${out}`;
  return out;
}

export function prometheusName(name: string, unit: string, monotonicSum: boolean, isGauge: boolean): string {
  const spec = contractInstrument(name);
  if (spec) return spec.prometheus;
  let out = sanitizeName(name);
  const cleanUnit = unit.replace(/\{[^}]*\}/g, '').trim();
  let word = UNIT_WORDS[cleanUnit] ?? (cleanUnit === '1' && isGauge ? 'ratio' : sanitizeName(cleanUnit).replace(/^_+|_+$/g, ''));
  if (cleanUnit === '1' && !isGauge) word = '';
  if (word && !out.split('_').includes(word)) out = `${out}_${word}`;
  if (monotonicSum && !out.endsWith('_total')) out = `${out}_total`;
  return out;
}

/** The OTel name a series is stored under: the contract name for contract instruments. */
export function canonicalName(name: string): string {
  return contractInstrument(name)?.name ?? name;
}
