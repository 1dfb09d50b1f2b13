/**
 * Resource attributes as labels (`collector.resourceLabels`): the allowlisted attributes of a
 * pusher's resource (environment, version, canary track) become labels of every series it sends.
 *
 * Bounded: each label takes at most `maxValuesPerLabel` distinct values among the pushers held; a
 * pusher that brings a further value gets `OVERFLOW_VALUE` for that label, and its points are
 * counted (`hmac_slo_collector_resource_label_overflow_total{label}`). A value is held as long as
 * a pusher with it is (pushers are forgotten after `pusherTtl`), so a new version takes the place
 * of one no longer deployed. Decided once per pusher, in push order: replaying the push log gives
 * the same labels.
 */
import { labelName } from './names.js';
import type { Attributes, PointAttributes } from '../otlp/types.js';

/** The value a label takes once its distinct values are all taken. */
export const OVERFLOW_VALUE = '__overflow__';

export interface ResourceLabelConfig {
  readonly attributes: readonly { readonly attribute: string; readonly label: string }[];
  readonly maxValuesPerLabel: number;
}

export class ResourceLabels {
  /** label → value → pushers holding it. */
  private readonly held = new Map<string, Map<string, number>>();
  /** label → data points whose value was collapsed to OVERFLOW_VALUE (since start). */
  readonly overflowPoints = new Map<string, number>();

  constructor(private readonly config: ResourceLabelConfig = { attributes: [], maxValuesPerLabel: 1 }) {}

  /**
   * The labels of a new pusher, its values held until `release`. Undefined when it has none (the
   * common case costs nothing per point). Empty values add no label: Prometheus reads them as absent.
   */
  assign(resource: Readonly<Attributes>): Attributes | undefined {
    let out: Attributes | undefined;
    for (const { attribute, label } of this.config.attributes) {
      // Own properties only: an attribute named like an Object.prototype member is read as pushed.
      const value = Object.prototype.hasOwnProperty.call(resource, attribute) ? resource[attribute]! : '';
      if (value === '') continue;
      (out ??= {})[label] = this.take(label, value);
    }
    return out;
  }

  /** Labels restored with a pusher from a snapshot: held again, as they were assigned. */
  restore(labels: Readonly<Attributes> | undefined): void {
    if (labels === undefined) return;
    for (const [label, value] of Object.entries(labels)) if (value !== OVERFLOW_VALUE) this.hold(label, value);
  }

  /** A forgotten pusher's labels: their values are free for others. */
  release(labels: Readonly<Attributes> | undefined): void {
    if (labels === undefined) return;
    for (const [label, value] of Object.entries(labels)) {
      const values = this.held.get(label);
      const n = values?.get(value);
      if (values === undefined || n === undefined) continue;
      if (n <= 1) values.delete(value);
      else values.set(value, n - 1);
    }
  }

  /** `points` data points of a pusher with these labels were aggregated: count the collapsed ones. */
  countPoints(labels: Readonly<Attributes> | undefined, points: number): void {
    if (labels === undefined || points <= 0) return;
    for (const [label, value] of Object.entries(labels)) {
      if (value === OVERFLOW_VALUE) this.overflowPoints.set(label, (this.overflowPoints.get(label) ?? 0) + points);
    }
  }

  private take(label: string, value: string): string {
    const values = this.held.get(label);
    if (values !== undefined && !values.has(value) && values.size >= this.config.maxValuesPerLabel) return OVERFLOW_VALUE;
    this.hold(label, value);
    return value;
  }

  private hold(label: string, value: string): void {
    let values = this.held.get(label);
    if (values === undefined) this.held.set(label, (values = new Map()));
    values.set(value, (values.get(value) ?? 0) + 1);
  }
}

/**
 * A point's attributes with its pusher's resource labels added. The point's own attribute wins
 * where both would give the same label name (it is the more specific of the two).
 */
export function withResourceLabels(attrs: PointAttributes, labels: Readonly<Attributes> | undefined): PointAttributes {
  if (labels === undefined) return attrs;
  const out: Attributes = { ...attrs };
  const own = new Set<string>();
  for (const k of Object.keys(attrs)) own.add(labelName(k));
  for (const label of Object.keys(labels)) if (!own.has(label)) out[label] = labels[label]!;
  return out;
}
