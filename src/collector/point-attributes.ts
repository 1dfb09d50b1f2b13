/**
 * What the collector keeps of a pushed metric point's attributes, before aggregation (live and on
 * replay). Anyone who can push writes these strings, and each one it keeps is a label value in
 * /metrics, dashboards, alerts and the status page, and a series of its job's budget:
 *
 * - The contract's span-only attributes (`hmac.client.id`, `hmac.error.class`: unbounded and
 *   client-controlled, docs/metrics.md) are removed from every kept metric's points (the point is
 *   kept), and counted.
 * - On the contract's instruments, each attribute the contract gives a closed set of values
 *   (closed-values.ts: `hmac.outcome`, `error.type`, `hmac.failure.cause`, `hmac.replay.result`,
 *   `hmac.key.status`, `hmac.client.state`) keeps only those values, also on an instrument that
 *   does not list it; any other becomes `other`, counted. So does an `error.type` whose reason's outcome is not the point's `hmac.outcome`.
 *   `hmac.failure.cause` is bounded so on every kept metric (it always was). Other metrics' own
 *   attributes (an `error.type` of theirs) pass as sent.
 *
 * Keys are matched by the label name they would get (`error_type` is `error.type` to Prometheus,
 * and the two would be joined into one label value): another spelling of one of these attributes
 * is removed. Points with nothing to change are passed as they are, without allocating (decoded
 * attribute sets may be shared and frozen: a changed point gets a new set); a changed point that
 * now has the attribute set of another point of its metric is merged with it (merge-points.ts).
 */
import { ATTR } from '@hmac-slo/instrumentation/contract';
import { contractInstrument, labelName } from './aggregate/names.js';
import { CLOSED_ATTRIBUTES, CLOSED_VALUES, VALUE_OTHER, reasonFitsOutcome } from './closed-values.js';
import { mergeChangedMetrics, repeatsAnInstrument } from './merge-points.js';
import { isInterned, type Attributes, type HistogramPoint, type InternedAttributes, type Metric, type NumberPoint, type PointAttributes } from './otlp/types.js';

export const SPAN_ONLY_ATTRIBUTES: readonly string[] = [ATTR.clientId, ATTR.errorClass];

/** What the pass changed, per attribute: span-only attributes removed; values outside a closed set. */
export interface AttributeCleanup {
  readonly stripped: Map<string, number>;
  readonly unrecognized: Map<string, number>;
}

export function newCleanup(): AttributeCleanup {
  return { stripped: new Map(), unrecognized: new Map() };
}

/** `key`: the attribute as the contract spells it; `values`: its closed set, or none (span-only: removed). */
interface Rule {
  readonly key: string;
  readonly values?: ReadonlySet<string>;
}

/** A metric's rules by label name, and whether its points carry both `hmac.outcome` and `error.type`. */
interface Rules {
  readonly byLabel: ReadonlyMap<string, Rule>;
  /** Attribute key → its rule (null: none), memoised: keys are few, and the label name costs a lookup more. */
  readonly byKey: Map<string, Rule | null>;
  /**
   * The longest label name of a rule. A label name is never shorter than its key (labelName only
   * replaces characters or adds a prefix), so a longer key has no rule: neither memoised nor named.
   */
  readonly maxKeyLength: number;
  readonly reasonWithOutcome: boolean;
  /** Interned (protobuf) sets seen before → what became of them: the same set recurs in every push of a pusher. */
  readonly seen: WeakMap<InternedAttributes, Cleaned>;
}

/** A set as kept, and the attributes changed on the way, as [which count, attribute]; none when unchanged. */
interface Cleaned {
  readonly attrs: PointAttributes;
  readonly changes: readonly (readonly [keyof AttributeCleanup, string])[];
}

function rules(closed: readonly string[]): Rules {
  const byLabel = new Map<string, Rule>();
  for (const key of SPAN_ONLY_ATTRIBUTES) byLabel.set(labelName(key), { key });
  for (const key of closed) byLabel.set(labelName(key), { key, values: CLOSED_VALUES.get(key)! });
  const maxKeyLength = Math.max(...[...byLabel.keys()].map((l) => l.length));
  return { byLabel, byKey: new Map(), maxKeyLength, seen: new WeakMap(), reasonWithOutcome: closed.includes(ATTR.outcome) && closed.includes(ATTR.errorType) };
}

/** Every kept metric that is not one of the contract's instruments. */
const OTHER_METRIC_RULES = rules([ATTR.failureCause]);
/**
 * Every contract instrument: every closed-set attribute, also one the instrument does not list (the
 * duration histograms have no `error.type`): a pusher could otherwise put any value under that label
 * in a contract family, where dashboards and alerts read the contract's labels.
 */
const INSTRUMENT_RULES = rules(CLOSED_ATTRIBUTES);

function rulesOf(metricName: string): Rules {
  const spec = contractInstrument(metricName);
  return spec ? INSTRUMENT_RULES : OTHER_METRIC_RULES;
}

/** Keys memoised per rule set (each at most maxKeyLength long): any pusher can send new ones. */
const MAX_MEMO_KEYS = 1_000;

function count(cleanup: AttributeCleanup, changes: Cleaned['changes']): void {
  for (const [which, attribute] of changes) cleanup[which].set(attribute, (cleanup[which].get(attribute) ?? 0) + 1);
}

/** The cache's mark for a set kept as it is. */
const UNCHANGED: Cleaned = Object.freeze({ attrs: Object.freeze({}), changes: [] });

function clean(attrs: PointAttributes, r: Rules, cleanup: AttributeCleanup): PointAttributes {
  if (!isInterned(attrs)) {
    const c = cleaned(attrs, r);
    if (c === undefined) return attrs;
    count(cleanup, c.changes);
    return c.attrs;
  }
  let c = r.seen.get(attrs);
  if (c === undefined) r.seen.set(attrs, (c = cleaned(attrs, r) ?? UNCHANGED));
  if (c === UNCHANGED) return attrs;
  count(cleanup, c.changes);
  return c.attrs;
}

/** What `attrs` is kept as, or undefined when it is kept as it is (nothing allocated then). */
function cleaned(attrs: PointAttributes, r: Rules): Cleaned | undefined {
  let out: Attributes | undefined;
  let changes: [keyof AttributeCleanup, string][] | undefined;
  for (const k in attrs) {
    if (k.length > r.maxKeyLength) continue;
    let rule = r.byKey.get(k);
    if (rule === undefined) {
      rule = r.byLabel.get(labelName(k)) ?? null;
      if (r.byKey.size < MAX_MEMO_KEYS) r.byKey.set(k, rule);
    }
    if (rule === null) continue;
    if (rule.values === undefined || k !== rule.key) {
      // Span-only, or another spelling of a bounded attribute: removed.
      out ??= { ...attrs };
      delete out[k];
      (changes ??= []).push([rule.values === undefined ? 'stripped' : 'unrecognized', rule.key]);
    } else if (!rule.values.has(attrs[k]!)) {
      out ??= { ...attrs };
      out[k] = VALUE_OTHER;
      (changes ??= []).push(['unrecognized', k]);
    }
  }
  if (r.reasonWithOutcome) {
    const a = out ?? attrs;
    const reason = a[ATTR.errorType];
    if (reason !== undefined && reason !== VALUE_OTHER && !reasonFitsOutcome(reason, a[ATTR.outcome])) {
      out ??= { ...attrs };
      out[ATTR.errorType] = VALUE_OTHER;
      (changes ??= []).push(['unrecognized', ATTR.errorType]);
    }
  }
  // Frozen: a cached set is handed to every later push of the same interned one.
  return out === undefined ? undefined : { attrs: Object.freeze(out), changes: changes! };
}

/**
 * Whether the bounding would change a series' attributes (`metricName`: its stored OTel name): a
 * series an earlier version made from what the closed sets now replace (aggregator restore).
 * Resource labels, also in a series' attributes, never have a contract label's name (schema).
 */
export function boundingChanges(metricName: string, attrs: Readonly<Attributes>): boolean {
  const c = cleaned(attrs, rulesOf(metricName));
  if (c === undefined) return false;
  // `other` is what the bounding writes: a series with it is one this version made.
  const keys = Object.keys(attrs);
  return keys.length !== Object.keys(c.attrs).length || keys.some((k) => c.attrs[k] !== attrs[k]);
}

/** The metrics with their points' attributes bounded as above; counts what changed into `cleanup`. */
export function withBoundedAttributes(metrics: Metric[], cleanup: AttributeCleanup): Metric[] {
  let changed: Set<Metric> | undefined;
  /** A changed point → the set it was sent with (its stream: two points of one stream are two readings). */
  let origins: Map<NumberPoint | HistogramPoint, PointAttributes> | undefined;
  const out = metrics.map((m) => {
    const d = m.data;
    if (d.type === 'unsupported') return m;
    const r = rulesOf(m.name);
    const points = d.points as readonly (NumberPoint | HistogramPoint)[];
    let copy: (NumberPoint | HistogramPoint)[] | undefined;
    for (let i = 0; i < points.length; i++) {
      const p = points[i]!;
      const attributes = clean(p.attributes, r, cleanup);
      if (attributes === p.attributes) continue;
      copy ??= points.slice();
      copy[i] = { ...p, attributes };
      (origins ??= new Map()).set(copy[i]!, p.attributes);
    }
    if (!copy) return m;
    const c = { ...m, data: { ...d, points: copy } } as Metric;
    (changed ??= new Set()).add(c);
    return c;
  });
  // Changed points may now share an attribute set with another point of their metric, also one
  // sent in another entry (another scope): one stream, so one point. Entries of one instrument
  // (two scopes) are merged too, changed or not: the aggregator keeps one stream per set.
  return changed || repeatsAnInstrument(out) ? mergeChangedMetrics(out, changed ?? new Set(), (p) => origins?.get(p) ?? p.attributes) : out;
}
