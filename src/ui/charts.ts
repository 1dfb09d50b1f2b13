/**
 * Geometry of the SLO detail view's time-series charts: series of values over time (null = no data)
 * and horizontal reference lines (thresholds), scaled into an SVG box with room for axis labels.
 * Pure, so the scaling rules are unit-tested in Node; slo-detail.ts only creates the SVG elements.
 */

export interface ChartSeries {
  readonly name: string;
  /** CSS class of the line (its colour). */
  readonly cls: string;
  /** One value per time of `ChartInput.times`; null where there is no data. */
  readonly values: readonly (number | null)[];
}

export interface ChartRef {
  readonly value: number;
  readonly label: string;
  readonly cls: string;
}

export interface ChartInput {
  readonly times: readonly number[];
  readonly from: number;
  readonly to: number;
  readonly series: readonly ChartSeries[];
  readonly refs?: readonly ChartRef[];
  /** `log` for burn rates (thresholds from 1× to 14.4× and incidents at 1000× on one chart). */
  readonly scale: 'linear' | 'log';
  readonly width: number;
  readonly height: number;
  /** Formats a y-axis tick. */
  readonly format: (v: number) => string;
}

export interface ChartGeometry {
  /** Path data per series ('' when it has no data); a gap in the data starts a new segment. */
  readonly paths: readonly { name: string; cls: string; d: string }[];
  readonly refs: readonly { label: string; cls: string; y: number }[];
  readonly yTicks: readonly { y: number; label: string }[];
  /** Time ticks: x and the time they stand for (the DOM layer formats it). */
  readonly xTicks: readonly { x: number; t: number }[];
  /** Stretches of the time axis where no series has data, as x ranges. */
  readonly noData: readonly { x0: number; x1: number }[];
  readonly hasData: boolean;
  /** The plot area inside the box (left of it: y labels; below it: x labels). */
  readonly plot: { x0: number; x1: number; y0: number; y1: number };
}

/** Room for the y-axis labels on the left and the time labels below. */
export const MARGIN = { left: 56, right: 8, top: 8, bottom: 20 } as const;
const LOG_FLOOR = 0.01;

export function chart(input: ChartInput): ChartGeometry {
  const plot = { x0: MARGIN.left, x1: input.width - MARGIN.right, y0: MARGIN.top, y1: input.height - MARGIN.bottom };
  const span = input.to - input.from;
  const x = (t: number) => round(plot.x0 + (span > 0 ? ((t - input.from) / span) * (plot.x1 - plot.x0) : 0));
  const finiteValues = input.series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  const refValues = (input.refs ?? []).map((r) => r.value).filter(Number.isFinite);
  const all = [...finiteValues, ...refValues];
  const hasData = finiteValues.length > 0;

  let lo: number;
  let hi: number;
  let toUnit: (v: number) => number;
  let floored = false;
  if (input.scale === 'log') {
    const positive = all.filter((v) => v > 0);
    lo = Math.max(LOG_FLOOR, 10 ** Math.floor(Math.log10(Math.min(1, ...positive))));
    // A burn of 0 (a window without bad events) cannot sit on a log axis: drawn on the floor, which
    // then goes a decade lower and says "≤", so 0 does not read as 1× on the ticket threshold.
    if (finiteValues.some((v) => v < lo)) {
      lo = Math.max(LOG_FLOOR, lo / 10);
      floored = true;
    }
    hi = 10 ** Math.ceil(Math.log10(Math.max(lo * 10, ...positive) * 1.05));
    toUnit = (v) => (Math.log10(Math.max(lo, v)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo));
  } else {
    lo = Math.min(0, ...all);
    hi = Math.max(...all, lo + 1e-9);
    if (hi === lo) hi = lo + 1;
    const pad = (hi - lo) * 0.05;
    hi += pad;
    if (lo < 0) lo -= pad;
    toUnit = (v) => (v - lo) / (hi - lo);
  }
  const y = (v: number) => round(plot.y1 - Math.min(1, Math.max(0, toUnit(v))) * (plot.y1 - plot.y0));

  // A value with no data on both sides (a step of sparse traffic) would be a lone move-to, which
  // draws nothing: drawn as a level half a step to either side instead.
  const half = (plot.x1 - plot.x0) / Math.max(1, input.times.length) / 2;
  const paths = input.series.map((s) => {
    const runs: [number, number][][] = [];
    let run: [number, number][] | undefined;
    s.values.forEach((v, i) => {
      const t = input.times[i];
      if (v === null || !Number.isFinite(v) || t === undefined) run = undefined;
      else (run ?? (runs.push((run = [])), run)).push([x(t), y(v)]);
    });
    const d = runs
      .map((r) => (r.length === 1 ? [[round(Math.max(plot.x0, r[0]![0] - half)), r[0]![1]], [round(Math.min(plot.x1, r[0]![0] + half)), r[0]![1]]] : r))
      .map((r) => r.map(([px, py], i) => `${i === 0 ? 'M' : 'L'}${px},${py}`).join(' '))
      .join(' ');
    return { name: s.name, cls: s.cls, d };
  });

  const noData: { x0: number; x1: number }[] = [];
  let gapStart: number | undefined;
  input.times.forEach((t, i) => {
    const empty = input.series.every((s) => s.values[i] === null || s.values[i] === undefined);
    const stepStart = i === 0 ? input.from : input.times[i - 1]!;
    if (empty && gapStart === undefined) gapStart = stepStart;
    if (!empty && gapStart !== undefined) {
      noData.push({ x0: x(gapStart), x1: x(stepStart) });
      gapStart = undefined;
    }
  });
  if (gapStart !== undefined) noData.push({ x0: x(gapStart), x1: x(input.to) });

  const yTicks = ticks(lo, hi, input.scale).map((v) => ({ y: y(v), label: floored && v === lo ? `≤${input.format(v)}` : input.format(v) }));
  const xTicks = [0, 1, 2, 3, 4].map((k) => {
    const t = input.from + (span * k) / 4;
    return { x: x(t), t };
  });
  const refs = (input.refs ?? []).filter((r) => Number.isFinite(r.value)).map((r) => ({ label: r.label, cls: r.cls, y: y(r.value) }));
  return { paths, refs, yTicks, xTicks, noData, hasData, plot };
}

/** Tick values: powers of ten on a log scale; 4–6 round steps on a linear one. */
export function ticks(lo: number, hi: number, scale: 'linear' | 'log'): number[] {
  if (scale === 'log') {
    const out: number[] = [];
    for (let e = Math.ceil(Math.log10(lo) - 1e-9); 10 ** e <= hi * (1 + 1e-9); e++) out.push(10 ** e);
    return out;
  }
  const raw = (hi - lo) / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => (hi - lo) / s <= 5)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(round(v, 1e9));
  return out;
}

function round(v: number, scale = 100): number {
  return Math.round(v * scale) / scale;
}
