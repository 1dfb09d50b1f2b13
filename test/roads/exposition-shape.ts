/**
 * What a road's `/metrics` says about the contract's families, with what differs by road taken out:
 * per family its TYPE and HELP, and every series as `sample{label="value",…}` with the labels a road
 * adds on its own (`job`, `instance`, `otel_scope_*`) removed. Counter values are kept (the same calls
 * give the same counts on every road); latencies and key ages vary from run to run and are not.
 */
export interface FamilyShape {
  type: string;
  help: string;
  series: Map<string, number | undefined>;
}

/** Labels that say which road (or which scrape target) a series came by, not what it measures. */
const ROAD_LABELS = new Set(['job', 'instance', 'otel_scope_name', 'otel_scope_version', 'otel_scope_schema_url']);

/** The `hmac_` families of a Prometheus text exposition, except the collector's own (`hmac_slo_`). */
export function contractShape(text: string): Map<string, FamilyShape> {
  const families = new Map<string, FamilyShape>();
  const help = new Map<string, string>();
  const familyOf = (sample: string) =>
    families.has(sample) ? sample : [...families.keys()].find((f) => [`${f}_bucket`, `${f}_sum`, `${f}_count`].includes(sample));
  for (const line of text.split('\n')) {
    const h = /^# HELP (\S+) (.*)$/.exec(line);
    if (h) help.set(h[1]!, h[2]!);
    const t = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (t && t[1]!.startsWith('hmac_') && !t[1]!.startsWith('hmac_slo_')) {
      families.set(t[1]!, { type: t[2]!, help: help.get(t[1]!) ?? '', series: new Map() });
    }
    const s = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!s || line.startsWith('#')) continue;
    const family = familyOf(s[1]!);
    if (family === undefined) continue;
    const shape = families.get(family)!;
    const labels = [...(s[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)]
      .filter((m) => !ROAD_LABELS.has(m[1]!))
      .map((m) => `${m[1]}="${m[2]}"`)
      .sort();
    // Values that depend on the clock: latency buckets and sums, key ages.
    const timed = s[1]!.endsWith('_sum') || (family.includes('duration') && s[1]!.endsWith('_bucket')) || family === 'hmac_key_age_seconds';
    const exact = !timed;
    shape.series.set(`${s[1]}{${labels.join(',')}}`, exact ? Number(s[3]) : undefined);
  }
  return families;
}

/** Plain objects for `assert.deepEqual` (readable diffs). */
export function plain(shape: Map<string, FamilyShape>): Record<string, { type: string; help: string; series: Record<string, number | undefined> }> {
  return Object.fromEntries(
    [...shape].sort(([a], [b]) => a.localeCompare(b)).map(([name, f]) => [name, { type: f.type, help: f.help, series: Object.fromEntries([...f.series].sort()) }]),
  );
}
