/**
 * Number, time and URL formatting for the status page. Pure functions (no DOM) so they are
 * unit-tested in Node and bundled unchanged into the browser script.
 */

/**
 * A ratio as a percentage with at most `decimals` decimals, trailing zeros trimmed. Rounding never
 * claims perfection or zero that is not there: 0.999996 shows as ">99.99%", not "100%", and
 * 0.000001 as "<0.01%", so an SLI just under target never looks met; -0.000001 (a budget just
 * overspent) as ">-0.01%", never "0%".
 */
export function formatPercent(ratio: number | null, decimals = 2): string {
  if (ratio === null) return NO_DATA;
  if (!Number.isFinite(ratio)) return '–';
  const scale = 10 ** decimals;
  const rounded = Math.round(ratio * 100 * scale) / scale;
  if (rounded === 100 && ratio < 1) return `>${(100 - 1 / scale).toFixed(decimals)}%`;
  if (rounded === 0 && ratio > 0) return `<${(1 / scale).toFixed(decimals)}%`;
  // A budget overspent by a hair is not "0%" either: it is below zero.
  if (rounded === 0 && ratio < 0) return `>-${(1 / scale).toFixed(decimals)}%`;
  return `${trimZeros(rounded.toFixed(decimals))}%`;
}

/**
 * An error ratio with the decimals its size needs (formatPercent's rounding rules): "0.012%",
 * "1.77%", "18.8%" — three decimals matter next to a 0.1 % budget, not on a 37 % error ratio.
 */
export function formatErrorRatio(ratio: number | null): string {
  if (ratio === null || !Number.isFinite(ratio)) return formatPercent(ratio);
  const abs = Math.abs(ratio);
  return formatPercent(ratio, abs >= 0.1 ? 1 : abs >= 0.01 ? 2 : 3);
}

/** The error budget remaining: one decimal, none once it is overspent ten times over ("-17098%", not "-17098.2%"). */
export function formatBudget(budget: number | null): string {
  return formatPercent(budget, budget !== null && Math.abs(budget) >= 10 ? 0 : 1);
}

/** What the page shows for a null ratio, SLI, budget or burn rate: no events, so no value (docs/slo.md). */
export const NO_DATA = 'no data';

function trimZeros(fixed: string): string {
  return fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
}

/** Burn rate as a multiple of the sustainable rate: "0.42×", "14.4×", "120×". */
export function formatBurn(burn: number | null): string {
  if (burn === null) return NO_DATA;
  if (!Number.isFinite(burn)) return '–';
  const abs = Math.abs(burn);
  const decimals = abs < 10 ? 2 : abs < 100 ? 1 : 0;
  return `${trimZeros(burn.toFixed(decimals))}×`;
}

/** Integer counts with thousands separators, independent of the browser's locale. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '–';
  const sign = n < 0 ? '-' : '';
  return sign + Math.round(Math.abs(n)).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Wall-clock time of day, HH:MM:SS in the browser's time zone. */
export function formatClock(unixMs: number): string {
  const d = new Date(unixMs);
  const two = (v: number) => String(v).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/**
 * A time on a chart's axis or in its heading, for a range `spanMs` long: the clock (HH:MM, or
 * HH:MM:SS under 10 minutes) within a range shorter than a day, else `MM-DD HH:MM` — a 24 h range
 * starts and ends at the same clock time.
 */
export function formatChartTime(t: number, spanMs: number): string {
  if (spanMs < 86_400_000) return formatClock(t).slice(0, spanMs < 600_000 ? 8 : 5);
  const d = new Date(t);
  return `${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')} ${formatClock(t).slice(0, 5)}`;
}

/** A non-negative elapsed time in words: "just now", "12 s", "3 min", "2 h 5 min", "4 d". */
export function formatElapsed(ms: number): string {
  if (!Number.isFinite(ms) || ms < 1000) return 'just now';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return min % 60 === 0 ? `${h} h` : `${h} h ${min % 60} min`;
  return `${Math.floor(h / 24)} d`;
}

/**
 * `value` as a link target if it is an absolute http(s) URL (normalized), undefined otherwise: a
 * `javascript:` or relative value from a misconfigured or hostile answer is never made a link.
 */
export function httpHref(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A same-origin API URL with its query string. Every value goes through URLSearchParams, so a job or
 * reason containing `&`, `=`, `#` or spaces cannot change which parameters the collector receives.
 * Empty and undefined values are left out (the API treats absent as "all").
 */
export function apiUrl(path: string, params: Readonly<Record<string, string | number | undefined>> = {}): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === '') continue;
    query.set(key, String(value));
  }
  const qs = query.toString();
  return qs ? `${path}?${qs}` : path;
}

/**
 * Real time of `seconds` of scaled (demo) time at `timeScale`, short: "10 s", "2 min", "24 h",
 * "1.5 d". What a compressed window or period lasts on the wall clock (the status page and the demo's banner).
 */
export function formatScaledDuration(seconds: number, timeScale: number): string {
  const s = seconds / timeScale;
  const n = (v: number) => String(Number(v.toFixed(v < 10 ? 1 : 0)));
  if (s < 90) return `${n(s)} s`;
  if (s < 90 * 60) return `${n(s / 60)} min`;
  if (s < 48 * 3600) return `${n(s / 3600)} h`;
  return `${n(s / 86400)} d`;
}

/**
 * An SLO's scope in words, labels in config order: `job = payments-api · deployment_environment_name
 * = prod`, a list as `a | b`, a `notIn` as `≠`. Values are shown as written (the page sets them as text).
 */
export function formatScope(scope: Readonly<Record<string, readonly string[] | { readonly notIn: readonly string[] }>>): string {
  return Object.entries(scope)
    .map(([label, m]) => (Array.isArray(m) ? `${label} = ${m.join(' | ')}` : `${label} ≠ ${(m as { notIn: readonly string[] }).notIn.join(' | ')}`))
    .join(' · ');
}
