/**
 * Geometry of the error-ratio sparkline: turns history points into SVG path data. Pure, so the
 * scaling rules are unit-tested; the browser script only creates the <path> elements.
 */

export interface SparkPoint {
  readonly t: number;
  /** null: no events in the window (no data), drawn as a gap. */
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
 * stretched to fill the box. Non-finite or negative ratios are drawn as 0; a null ratio (no events:
 * no data) is a gap in the line, never a 0.
 */
export function sparkline(points: readonly SparkPoint[], width: number, height: number, reference?: number): Sparkline {
  const timed = points
    .filter((p) => Number.isFinite(p.t))
    .map((p) => ({ t: p.t, v: p.errorRatio === null ? null : Number.isFinite(p.errorRatio) && p.errorRatio > 0 ? p.errorRatio : 0 }));
  const values = timed.flatMap((p) => (p.v === null ? [] : [p.v]));
  const ref = reference !== undefined && Number.isFinite(reference) && reference > 0 ? reference : undefined;
  const yMax = Math.max(ref ?? 0, ...values);
  const y = (v: number) => round(yMax > 0 ? height - (v / yMax) * height : height);
  const result = (line: string, area: string): Sparkline =>
    ref !== undefined ? { line, area, yMax, referenceY: y(ref) } : { line, area, yMax };
  if (values.length === 0) return result('', '');

  const t0 = timed[0]!.t;
  const span = timed[timed.length - 1]!.t - t0;
  // Runs of points with data, split at the gaps.
  const runs: (readonly [number, number])[][] = [];
  let run: (readonly [number, number])[] | undefined;
  for (const p of timed) {
    if (p.v === null) run = undefined;
    else {
      if (!run) runs.push((run = []));
      run.push([span > 0 ? round(((p.t - t0) / span) * width) : 0, y(p.v)]);
    }
  }
  // A point with gaps on both sides (traffic just resumed, or the oldest point) would be a lone
  // move-to, which draws nothing: drawn as a level half a point step to either side instead.
  const half = timed.length > 1 ? width / (timed.length - 1) / 2 : width;
  for (const [i, r] of runs.entries()) {
    if (r.length === 1) runs[i] = [[round(Math.max(0, r[0]![0] - half)), r[0]![1]], [round(Math.min(width, r[0]![0] + half)), r[0]![1]]];
  }
  // One point (or all at one instant) is a level, drawn across the whole width.
  if (span === 0) runs.splice(0, runs.length, [[0, y(values[0]!)], [round(width), y(values[values.length - 1]!)]]);
  const path = (coords: readonly (readonly [number, number])[]) => coords.map(([x, yy], i) => `${i === 0 ? 'M' : 'L'}${x},${yy}`).join(' ');
  const line = runs.map(path).join(' ');
  const area = runs.map((coords) => `${path(coords)} L${coords[coords.length - 1]![0]},${round(height)} L${coords[0]![0]},${round(height)} Z`).join(' ');
  return result(line, area);
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}
