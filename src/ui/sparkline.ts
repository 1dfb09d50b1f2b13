/**
 * Geometry of the error-ratio sparkline: turns history points into SVG path data. Pure, so the
 * scaling rules are unit-tested; the browser script only creates the <path> elements.
 */

export interface SparkPoint {
  readonly t: number;
  /** null: no events in the window (no data), drawn as 0 like a missing value. */
  readonly errorRatio: number | null;
}

export interface Sparkline {
  /** Path data of the line, "M x,y L x,y ..."; '' when there is nothing to draw. */
  readonly line: string;
  /** The same line closed along the bottom edge, for a filled area. */
  readonly area: string;
  /** The error ratio the top edge stands for. */
  readonly yMax: number;
  /** Y coordinate of `reference` (e.g. the error ratio the objective allows), when given. */
  readonly referenceY?: number;
}

/**
 * Scales points into a width × height box: time left to right from the first to the last point,
 * error ratio bottom (0) to top (yMax). yMax is the largest ratio shown, or `reference` when that is
 * larger, so a healthy SLO's line stays visibly below its allowed-error line instead of being
 * stretched to fill the box. Non-finite or negative ratios are drawn as 0.
 */
export function sparkline(points: readonly SparkPoint[], width: number, height: number, reference?: number): Sparkline {
  const clean = points
    .filter((p) => Number.isFinite(p.t))
    .map((p) => ({ t: p.t, v: typeof p.errorRatio === 'number' && Number.isFinite(p.errorRatio) && p.errorRatio > 0 ? p.errorRatio : 0 }));
  const ref = reference !== undefined && Number.isFinite(reference) && reference > 0 ? reference : undefined;
  const yMax = Math.max(ref ?? 0, ...clean.map((p) => p.v));
  const y = (v: number) => round(yMax > 0 ? height - (v / yMax) * height : height);
  const result = (line: string, area: string): Sparkline =>
    ref !== undefined ? { line, area, yMax, referenceY: y(ref) } : { line, area, yMax };
  if (clean.length === 0) return result('', '');

  const t0 = clean[0]!.t;
  const span = clean[clean.length - 1]!.t - t0;
  // One point (or all at one instant) is a level, drawn across the whole width.
  const coords =
    span > 0
      ? clean.map((p) => [round(((p.t - t0) / span) * width), y(p.v)] as const)
      : [[0, y(clean[0]!.v)] as const, [round(width), y(clean[clean.length - 1]!.v)] as const];
  const line = coords.map(([x, yy], i) => `${i === 0 ? 'M' : 'L'}${x},${yy}`).join(' ');
  const first = coords[0]!;
  const last = coords[coords.length - 1]!;
  const area = `${line} L${last[0]},${round(height)} L${first[0]},${round(height)} Z`;
  return result(line, area);
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}
