/**
 * Resource attributes as labels (`collector.resourceLabels`): the allowlisted attributes of a
 * pusher's resource (environment, version, canary track) become labels of every series it sends.
 *
 * Bounded per job: each label takes at most `maxValuesPerLabel` distinct values among a job's
 * pushers held (per job, so one job's many versions, or a hostile pusher's made-up ones, never push
 * another job's canary into the overflow); a pusher that brings a further value gets
 * `OVERFLOW_VALUE` for that label, and its points are counted
 * (`hmac_slo_collector_resource_label_overflow_total{label}`). A value is held as long as a pusher
 * with it is (pushers are forgotten after `pusherTtl`), so a new version takes the place of one no
 * longer deployed. Decided once per pusher, in push order: replaying the push log gives the same
 * labels. When a job's last pusher with a value is forgotten, the aggregator drops the job's gauges
 * carrying it (a gauge keeps its last value: an old version's would be summed with the new one's).
 *
 * A value freed is also remembered with the time: once no pusher of the job took it again for the
 * series TTL, the aggregator drops the job's counters and histograms that carry it
 * (`expiredValues`). Otherwise each deploy's `service_version` would leave a full set of series
 * behind for as long as the job lives (the job-wide series TTL never comes while the new version
 * pushes), until the job's series cap refuses the newest version's series. The SLO engine and key
 * usage add up increases per series (series-increase.ts), so a series leaving is no reset to them.
 */
import { labelName } from './names.js';
import type { Attributes, PointAttributes } from '../otlp/types.js';

/** The value a label takes once its distinct values are all taken. */
export const OVERFLOW_VALUE = '__overflow__';

/** A job's resource label value: [job, label, value]. */
export type JobLabelValue = readonly [job: string, label: string, value: string];

export interface ResourceLabelConfig {
  readonly attributes: readonly { readonly attribute: string; readonly label: string }[];
  readonly maxValuesPerLabel: number;
}

export class ResourceLabels {
  /** job + label → value → pushers of that job holding it. */
  private readonly held = new Map<string, Map<string, number>>();
  /**
   * label → the attribute key it is stored under in a series' attributes: the resource attribute's
   * own key when it gives that label anyway (`deployment.track` → `deployment_track`), so a series
   * labelled from the resource is the very series a point carrying that attribute feeds (an
   * OpenTelemetry Collector's transform processor in front, an older instance): the two share it
   * instead of colliding on /metrics (`label_collision`). Otherwise the label itself.
   */
  private readonly keys: ReadonlyMap<string, string>;
  /** label → data points whose value was collapsed to OVERFLOW_VALUE (since start). */
  readonly overflowPoints = new Map<string, number>();
  /** JSON of a JobLabelValue → when its job's last pusher holding it was forgotten (persisted). */
  private readonly freed = new Map<string, number>();

  constructor(private readonly config: ResourceLabelConfig = { attributes: [], maxValuesPerLabel: 1 }) {
    this.keys = new Map(config.attributes.map(({ attribute, label }) => [label, labelName(attribute) === label && attribute !== '__proto__' ? attribute : label]));
  }

  /**
   * The labels of a new pusher, its values held until `release`. Undefined when it has none (the
   * common case costs nothing per point). Empty values add no label: Prometheus reads them as absent.
   */
  assign(job: string, resource: Readonly<Attributes>): Attributes | undefined {
    let out: Attributes | undefined;
    for (const { attribute, label } of this.config.attributes) {
      // Own properties only: an attribute named like an Object.prototype member is read as pushed.
      const value = Object.prototype.hasOwnProperty.call(resource, attribute) ? resource[attribute]! : '';
      if (value === '') continue;
      (out ??= {})[label] = this.take(job, label, value);
    }
    return out;
  }

  /** Labels restored with a pusher from a snapshot: held again, as they were assigned. */
  restore(job: string, labels: Readonly<Attributes> | undefined): void {
    if (labels === undefined) return;
    for (const [label, value] of Object.entries(labels)) if (value !== OVERFLOW_VALUE) this.hold(job, label, value);
  }

  /**
   * A forgotten pusher's labels: their values are free for others. Returns the values no pusher of
   * the job holds any more; each is remembered as freed at `nowMs` (undefined: no series TTL to
   * expire its series after).
   */
  release(job: string, labels: Readonly<Attributes> | undefined, nowMs: number | undefined): [label: string, value: string][] {
    const freed: [string, string][] = [];
    if (labels === undefined) return freed;
    for (const [label, value] of Object.entries(labels)) {
      const values = this.held.get(`${job}\0${label}`);
      const n = values?.get(value);
      if (values === undefined || n === undefined) continue;
      if (n > 1) values.set(value, n - 1);
      else if (values.size > 1) values.delete(value);
      else this.held.delete(`${job}\0${label}`);
      if (n > 1) continue;
      freed.push([label, value]);
      if (nowMs !== undefined) this.freed.set(JSON.stringify([job, label, value]), nowMs);
    }
    return freed;
  }

  /** The attribute key a label is stored under in a series' attributes (see `keys`). */
  keyOf(label: string): string {
    return this.keys.get(label) ?? label;
  }

  /** Values freed more than `ttlMs` before `nowMs` and not taken again since. */
  expiredValues(nowMs: number, ttlMs: number): JobLabelValue[] {
    const out: JobLabelValue[] = [];
    for (const [k, at] of this.freed) if (nowMs - at > ttlMs) out.push(JSON.parse(k) as JobLabelValue);
    return out;
  }

  /**
   * Whether a value is still free and was so for over `ttlMs` at `nowMs` (a push may have taken it
   * again since `expiredValues` chose it; the replay passes the logged time and decides the same).
   */
  stillExpired(v: JobLabelValue, nowMs: number, ttlMs: number): boolean {
    const at = this.freed.get(JSON.stringify(v));
    return at !== undefined && nowMs - at > ttlMs;
  }

  /** A value whose series were dropped: nothing left to expire. */
  dropFreed(v: JobLabelValue): void {
    this.freed.delete(JSON.stringify(v));
  }

  /** For the snapshot: [job, label, value, freed at]. */
  freedToJSON(): [string, string, string, number][] {
    return [...this.freed].map(([k, at]) => [...(JSON.parse(k) as [string, string, string]), at]);
  }

  restoreFreed(list: readonly (readonly [string, string, string, number])[] | undefined): void {
    for (const [job, label, value, at] of list ?? []) if (!this.held.get(`${job}\0${label}`)?.has(value)) this.freed.set(JSON.stringify([job, label, value]), at);
  }

  /**
   * State from before values were freed (no freed list): the values a job's series carry that none
   * of its pushers holds (versions no longer deployed) are taken as freed at `at(job)` (its last
   * point), so their series still leave a series TTL later instead of staying while the job lives.
   */
  freeUnheld(series: Iterable<{ readonly job: string; readonly attributes: Readonly<Attributes> }>, at: (job: string) => number | undefined): void {
    for (const s of series) {
      for (const { label } of this.config.attributes) {
        const value = s.attributes[this.keyOf(label)];
        if (value === undefined || value === OVERFLOW_VALUE || this.held.get(`${s.job}\0${label}`)?.has(value)) continue;
        const t = at(s.job);
        const k = JSON.stringify([s.job, label, value]);
        if (t !== undefined && !this.freed.has(k)) this.freed.set(k, t);
      }
    }
  }

  /** `points` data points of a pusher with these labels were aggregated: count the collapsed ones. */
  countPoints(labels: Readonly<Attributes> | undefined, points: number): void {
    if (labels === undefined || points <= 0) return;
    for (const [label, value] of Object.entries(labels)) {
      if (value === OVERFLOW_VALUE) this.overflowPoints.set(label, (this.overflowPoints.get(label) ?? 0) + points);
    }
  }

  /**
   * A point's attributes with its pusher's resource labels added, each under its key (see `keys`).
   * The point's own attribute wins where both would give the same label name (it is the more
   * specific of the two).
   */
  withLabels(attrs: PointAttributes, labels: Readonly<Attributes> | undefined): PointAttributes {
    if (labels === undefined) return attrs;
    const out: Attributes = { ...attrs };
    const own = new Set<string>();
    for (const k of Object.keys(attrs)) own.add(labelName(k));
    for (const label of Object.keys(labels)) if (!own.has(label)) out[this.keyOf(label)] = labels[label]!;
    return out;
  }

  private take(job: string, label: string, value: string): string {
    const values = this.held.get(`${job}\0${label}`);
    if (values !== undefined && !values.has(value) && values.size >= this.config.maxValuesPerLabel) return OVERFLOW_VALUE;
    this.hold(job, label, value);
    return value;
  }

  private hold(job: string, label: string, value: string): void {
    const at = `${job}\0${label}`;
    let values = this.held.get(at);
    if (values === undefined) this.held.set(at, (values = new Map()));
    values.set(value, (values.get(value) ?? 0) + 1);
    if (this.freed.size > 0) this.freed.delete(JSON.stringify([job, label, value]));
  }
}
