/** Per-wrapper cache of the series (count table + histogram table) for each key-ID label. */
import type { Attributes } from '@opentelemetry/api';
import { CounterCells, HistogramCells } from '../telemetry/cells.js';
import type { CounterName, HistogramName, Hub } from '../telemetry/hub.js';
import type { Series } from './engine.js';

export interface SeriesShape {
  hub: Hub;
  counter: CounterName;
  counterVariants: readonly Attributes[];
  histogram?: HistogramName;
  histogramVariants?: readonly Attributes[];
  buckets?: readonly number[];
  /** Fixed attributes; `label` is merged in under `labelKey` when given. */
  base: Attributes;
  labelKey?: string;
}

export function seriesCache(shape: SeriesShape): (label: string) => Series {
  const cache = new Map<string, Series>();
  const baseKey = JSON.stringify(Object.entries(shape.base).sort());
  return (label) => {
    let series = cache.get(label);
    if (series !== undefined) return series;
    const attrs: Attributes = shape.labelKey === undefined ? shape.base : { ...shape.base, [shape.labelKey]: label };
    // Hub tables are keyed by the full fixed attribute set, so wrappers with equal attributes share cells.
    const key = `${baseKey}\u0000${label}`;
    const counter = shape.hub.counter(shape.counter, key, () => new CounterCells(attrs, shape.counterVariants));
    const histogram =
      shape.histogram === undefined
        ? undefined
        : shape.hub.histogramTable(shape.histogram, key, () => new HistogramCells(attrs, shape.histogramVariants ?? [{}], shape.buckets ?? []));
    series = { label, counter, histogram };
    cache.set(label, series);
    return series;
  };
}
