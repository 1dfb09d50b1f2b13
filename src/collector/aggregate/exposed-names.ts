/**
 * Keeps the exposition parseable whatever is pushed: each Prometheus family, and each sample name
 * it writes, belongs to one instrument, and no two series expose the same labels. The aggregator
 * asks `admit` before it creates a series, tells `restore` about series loaded from a snapshot,
 * and `release` about series it drops. See docs/collector.md ("What it keeps").
 */
import { createHash } from 'node:crypto';
import type { Attributes } from '../otlp/types.js';
import { familyNames, labelPairs, METRIC_NAME_RE, reservedFamilyProblem, contractInstrument, type SeriesKind } from './names.js';
import type { Problem } from './point-checks.js';

interface Named {
  readonly job: string;
  readonly name: string;
  readonly promName: string;
  readonly kind: SeriesKind;
  readonly attributes: Attributes;
}

const SURROGATE = /[\ud800-\udfff]/;
/** The string as its UTF-8 encoding reads back (lone surrogates → U+FFFD, as the exposition writes them). */
function wellFormed(s: string): string {
  return SURROGATE.test(s) ? Buffer.from(s, 'utf8').toString('utf8') : s;
}

/** A series as Prometheus sees it (family, job, labels after sanitizing), hashed. */
function identityOf(job: string, promName: string, attrs: Attributes): string {
  const parts: string[] = [promName, wellFormed(job)];
  // Prometheus reads an empty label value as no label: `{k=""}` and `{}` are one series.
  for (const [n, v] of labelPairs(attrs)) if (v !== '') parts.push(n, wellFormed(v));
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 22);
}

export class ExposedNames {
  /** Family → the canonical OTel name that owns it, its kind and how many series it has. */
  private readonly families = new Map<string, { name: string; kind: SeriesKind; series: number }>();
  /** Every sample name a family writes (`familyNames`) → that family. */
  private readonly sampleNames = new Map<string, string>();
  /** Series identity → the aggregator key of the series that has it. */
  private readonly identities = new Map<string, string>();

  /** `live(key)`: whether the aggregator still holds that series (a dropped one frees its labels). */
  constructor(private readonly live: (key: string) => boolean) {}

  /** Claims the names of a new series under `key`, or says why it cannot have them. */
  admit(s: Named, key: string): Problem | undefined {
    const family = this.families.get(s.promName);
    if (family !== undefined && family.name !== s.name) return ['name_conflict', `${s.name}: its Prometheus name ${s.promName} is already used by ${family.name}`];
    if (family === undefined) {
      const why = this.newFamilyProblem(s.name, s.promName, s.kind);
      if (why) return why;
    }
    const identity = identityOf(s.job, s.promName, s.attributes);
    const holder = this.identities.get(identity);
    if (holder !== undefined && holder !== key && this.live(holder)) {
      return ['label_collision', `${s.name}: its attributes give the same Prometheus labels as another series of ${s.promName} once sanitized`];
    }
    this.claim(s, key, identity);
    return undefined;
  }

  /** The kind of a family's series (one family never mixes kinds in the exposition), if it has any. */
  kindOf(promName: string): SeriesKind | undefined {
    return this.families.get(promName)?.kind;
  }

  /** A series loaded from a snapshot: claimed without checks (it was admitted when created). */
  restore(s: Named, key: string): void {
    this.claim(s, key, identityOf(s.job, s.promName, s.attributes));
  }

  /** A series the aggregator dropped: its labels, and its family once empty, are free again. */
  release(s: Named, key: string): void {
    const identity = identityOf(s.job, s.promName, s.attributes);
    if (this.identities.get(identity) === key) this.identities.delete(identity);
    const family = this.families.get(s.promName);
    if (family !== undefined && --family.series <= 0) {
      this.families.delete(s.promName);
      for (const n of familyNames(s.promName, family.kind)) if (this.sampleNames.get(n) === s.promName) this.sampleNames.delete(n);
    }
  }

  private claim(s: Named, key: string, identity: string): void {
    this.identities.set(identity, key);
    const family = this.families.get(s.promName);
    if (family !== undefined) {
      family.series++;
      return;
    }
    this.families.set(s.promName, { name: s.name, kind: s.kind, series: 1 });
    for (const n of familyNames(s.promName, s.kind)) if (!this.sampleNames.has(n)) this.sampleNames.set(n, s.promName);
  }

  /** A family the exposition can carry: a valid name, not reserved, sharing no sample name. */
  private newFamilyProblem(name: string, promName: string, kind: SeriesKind): Problem | undefined {
    if (!METRIC_NAME_RE.test(promName)) return ['name_conflict', `${name}: ${promName} is not a valid Prometheus metric name`];
    const reserved = reservedFamilyProblem(name, promName, kind);
    if (reserved) return [contractInstrument(name) ? 'type_conflict' : 'reserved_name', `${name}: ${reserved}`];
    for (const n of familyNames(promName, kind)) {
      const owner = this.sampleNames.get(n);
      if (owner !== undefined && owner !== promName) return ['name_conflict', `${name}: ${promName} would write ${n}, which ${owner} already writes`];
    }
    return undefined;
  }
}
