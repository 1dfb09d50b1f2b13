/** Prometheus-style durations (`30s`, `5m`, `1h`, `2d`, `1w`): the only time format the config uses. */

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
const DURATION_RE = /^(\d+)(ms|s|m|h|d|w)$/;

export function isDuration(text: string): boolean {
  return DURATION_RE.test(text);
}

export function durationSeconds(text: string): number {
  const m = DURATION_RE.exec(text);
  if (!m) throw new Error(`not a duration: ${JSON.stringify(text)} (expected e.g. 30s, 5m, 1h, 30d)`);
  return Number(m[1]) * UNIT_SECONDS[m[2]!]!;
}

/** The shortest exact Prometheus spelling of a number of seconds (`86400` → `1d`). */
export function formatDuration(seconds: number): string {
  for (const unit of ['w', 'd', 'h', 'm', 's'] as const) {
    const size = UNIT_SECONDS[unit]!;
    if (seconds >= size && Number.isInteger(seconds / size)) return `${seconds / size}${unit}`;
  }
  return `${Math.round(seconds * 1000)}ms`;
}
