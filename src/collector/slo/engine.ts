/**
 * The SLO engine: samples the aggregated cumulative counters, remembers (bad, total) event counts
 * per job and SLO over time in a bounded multi-resolution history, and answers with error ratios,
 * burn rates and error budgets per window — the same numbers the generated Prometheus recording
 * rules compute with `increase()` (docs/slo.md explains the math and the tolerance).
 */
import { SLO_WINDOWS } from '@hmac-slo/instrumentation/contract';
import type { HmacSloConfig, SloConfig } from '../../config/schema.js';
import { burnAlertsWithFactor } from '../../config/slo-plan.js';
import type {
  PromFamily,
  PromSample,
  SeriesSource,
  SloApiResponse,
  SloDetailResponse,
  SloHistoryResponse,
  SloStatus,
  SloWindowStatus,
} from '../model.js';
import { compileSli, type CompiledSli, type EventCounts } from './sli.js';
import { canonicalScope, compileScope, seriesLabels, type ScopeTest } from './scope.js';
import { scaledMs, sloWindows, type SloWindow } from './windows.js';
import { TieredHistory, tiersFor, type CountPoint, type TierSpec } from './tiers.js';
import { burnRate, errorBudgetRemaining, errorRatio, sliValue } from './math.js';
import { SloStateError, type SloEngineState, parseSloEngineState } from './state.js';
import { detailRanges, detailSeries } from './detail.js';
import { detailFailures, type FailureRangeSource } from './detail-failures.js';
import { addReading, SeriesReadings, seriesIdentity, type SeriesReadingsJSON } from '../aggregate/series-increase.js';

export interface SloEngineOptions {
  /** Clock used when `status`/`families`/`sample` are called without a time (tests inject one). */
  readonly now?: () => number;
  /** Cap on tracked (job, SLO) pairs (config `collector.slo.maxPairs`); pairs beyond it are counted in `stats()`. */
  readonly maxPairs?: number;
  /** A pair whose job has had no events for this long is dropped (config `collector.slo.pairTtl`; default: the period). */
  readonly pairTtlMs?: number;
  /** At the cap, a new pair with events replaces the pair idle longest, if idle this long (`collector.slo.pairEvictAfter`). */
  readonly pairEvictAfterMs?: number;
  /** Sparkline points kept per pair for `history()` (one per scaled minute); default `collector.slo.historyPoints`. */
  readonly historyPoints?: number;
}


interface CompiledSlo {
  readonly config: SloConfig;
  readonly sli: CompiledSli;
  /** The series the SLO covers (`scope`); undefined = all of them. */
  readonly inScope: ScopeTest | undefined;
  /** Identity of the SLI definition and scope: persisted counts are dropped when it changes. */
  readonly fingerprint: string;
}

/** One (job, SLO): its own monotonic event totals (resets folded in) and their history. */
interface Pair {
  readonly job: string;
  readonly slo: CompiledSlo;
  /** The last aggregated reading, summed over the pair's series (persisted; a fallback for older state). */
  lastRaw: EventCounts;
  /** Each series' last [bad, total]: events are added up per series (series-increase.ts). */
  readings: SeriesReadings;
  /** Events counted by the engine since it first saw the pair: never decreases. */
  cum: EventCounts;
  lastT: number;
  /** When the pair's job last had events (any of its SLOs): pairs idle too long are dropped. */
  activeT: number;
  readonly history: TieredHistory;
  readonly sparkline: { t: number; errorRatio: number | null }[];
}

/** The pair counts behind the collector's own metrics. */
export interface SloPairStats {
  /** (job, SLO) pairs tracked. */
  readonly pairs: number;
  /** Pairs in the aggregates but not tracked (refused at the cap, or dropped when idle). */
  readonly untrackedPairs: number;
  /** Samples at which a pair with new events found no place (those events are not in its SLO). */
  readonly refusedPairs: number;
  /** Pairs dropped because their job had no events for `pairTtl`. */
  readonly expiredPairs: number;
  /** Idle pairs (for `pairEvictAfter`) dropped to make room at the cap. */
  readonly evictedPairs: number;
}

export class SloEngine {
  private readonly slos: CompiledSlo[];
  private readonly windows: SloWindow[];
  private readonly periodMs: number;
  private readonly tierSpecs: TierSpec[];
  private readonly sparkMs: number;
  /** The window whose error ratio `history()` tracks: the contract's shortest (5m). */
  private readonly sparkWindow: SloWindow;
  private readonly pairs = new Map<string, Pair>();
  private readonly now: () => number;
  private readonly maxPairs: number;
  private readonly pairTtlMs: number;
  private readonly pairEvictAfterMs: number;
  private readonly historyPoints: number;
  private lastSampleMs: number | undefined;
  /**
   * The last aggregated reading of each (job, SLO) present in the aggregates but not tracked (refused
   * at the cap, dropped when idle): a baseline, so only its events since then count if it gets a
   * pair later — a flood's idle pairs never come back with their old events as new. Bounded by the
   * aggregated series; entries whose series are gone are dropped.
   */
  private dormant = new Map<string, Baseline>();
  /**
   * After `fromJSON`: SLOs nothing was restored for (new in the config, or whose SLI or scope changed).
   * Their series' counters hold events from before the restart, so the first sample takes them as a
   * baseline, as a first sample ever does, instead of crediting them all to the last interval.
   */
  private baselineSlos = new Set<string>();
  private untrackedPairs = 0;
  private refusedPairs = 0;
  private expiredPairs = 0;
  private evictedPairs = 0;

  constructor(
    private readonly config: HmacSloConfig,
    opts: SloEngineOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    const limits = config.collector.slo;
    this.maxPairs = opts.maxPairs ?? limits.maxPairs;
    this.historyPoints = opts.historyPoints ?? limits.historyPoints;
    this.slos = config.slos.map((slo) => {
      const scope = canonicalScope(slo.scope);
      return {
        // `scope: {}` is no scope: not shown, and the same history as without it.
        config: scope ? slo : { ...slo, scope: undefined },
        sli: compileSli(slo.sli),
        inScope: compileScope(scope),
        // An unscoped SLO keeps the fingerprint it had before scopes existed (its history survives).
        fingerprint: JSON.stringify(scope ? { sli: slo.sli, scope } : slo.sli),
      };
    });
    this.windows = sloWindows(config);
    this.periodMs = scaledMs(config.period, config.timeScale);
    this.tierSpecs = tiersFor(this.periodMs, config.timeScale);
    this.sparkMs = scaledMs('1m', config.timeScale);
    this.sparkWindow = this.windows.find((w) => w.name === SLO_WINDOWS[0]) ?? this.windows[0]!;
    this.pairTtlMs = opts.pairTtlMs ?? (limits.pairTtl !== undefined ? scaledMs(limits.pairTtl, config.timeScale) : this.periodMs);
    this.pairEvictAfterMs = opts.pairEvictAfterMs ?? scaledMs(limits.pairEvictAfter, config.timeScale);
  }

  /**
   * Read every aggregated series once and record, per job and SLO, the cumulative (bad, total) event
   * counts at `nowMs`. Call it on a timer (every few seconds): the windows' edges are placed at sample
   * times. A pair seen for the first time after the engine has sampled before is credited with all of
   * its events since that previous sample (it appeared in between); on the very first sample the
   * counts already present become the baseline, since when they happened is unknown.
   *
   * Fair caps: a pair whose job has had no events for `pairTtl` is dropped; at `maxPairs`, a new pair
   * with events takes the place of the pair idle the longest if that one has been idle for
   * `pairEvictAfter`, else it is refused (counted). A pair not tracked keeps its last reading as a
   * baseline (see `dormant`), so it never brings old events back as new.
   */
  sample(source: SeriesSource, nowMs: number = this.now()): void {
    const t = this.lastSampleMs === undefined ? nowMs : Math.max(nowMs, this.lastSampleMs);
    const readings = new Map<string, Reading>();
    for (const series of source.series()) {
      const labels = seriesLabels(series);
      for (const slo of this.slos) {
        if (!slo.sli.matches(series)) continue;
        if (slo.inScope && !slo.inScope(labels)) continue;
        const key = pairKey(series.job, slo.config.name);
        let r = readings.get(key);
        if (!r) readings.set(key, (r = { job: series.job, slo, counts: { bad: 0, total: 0 }, series: new Map() }));
        const one = { bad: 0, total: 0 };
        slo.sli.accumulate(series, one);
        r.counts.bad += one.bad;
        r.counts.total += one.total;
        addReading(r.series, seriesIdentity(series), [one.bad, one.total]);
      }
    }
    const activeJobs = new Set<string>();
    const waiting: string[] = [];
    for (const [key, r] of readings) {
      const pair = this.pairs.get(key);
      if (!pair) waiting.push(key);
      else if (advance(pair, r)) activeJobs.add(pair.job);
    }
    const dormant = new Map<string, Baseline>();
    for (const [key, pair] of this.pairs) {
      if (activeJobs.has(pair.job)) pair.activeT = t;
      else if (t - pair.activeT >= this.pairTtlMs) {
        this.expiredPairs++;
        this.drop(key, pair, readings, dormant);
      }
    }
    let evictable: [string, Pair][] | undefined;
    for (const key of waiting) {
      const r = readings.get(key)!;
      const since = this.dormant.get(key);
      const events = since === undefined ? this.lastSampleMs !== undefined && this.lastSampleMs < t && r.counts.total > 0 : increased(since, r);
      if (since !== undefined && !events) {
        dormant.set(key, baselineOf(r)); // idle and untracked: no reason to take a place
        continue;
      }
      if (this.pairs.size >= this.maxPairs) {
        if (!events) {
          dormant.set(key, baselineOf(r));
          continue;
        }
        evictable ??= this.evictable(t);
        const victim = evictable.shift();
        if (victim === undefined) {
          this.refusedPairs++;
          dormant.set(key, baselineOf(r));
          continue;
        }
        this.evictedPairs++;
        this.drop(victim[0], victim[1], readings, dormant);
      }
      const baseline = since === undefined && this.baselineSlos.has(r.slo.config.name);
      this.pairs.set(key, baseline ? this.newPair(r, t, undefined, true) : this.newPair(r, t, since));
    }
    this.baselineSlos.clear();
    // Pairs with no series this time keep their totals (a vanished series is not a reset).
    for (const pair of this.pairs.values()) this.record(pair, t);
    this.dormant = dormant;
    this.untrackedPairs = dormant.size;
    this.lastSampleMs = t;
  }

  /** Pairs idle for at least `pairEvictAfter` (never one active in this sample), idle longest first. */
  private evictable(t: number): [string, Pair][] {
    return [...this.pairs]
      .filter(([, p]) => p.activeT < t && t - p.activeT >= this.pairEvictAfterMs)
      .sort(([ka, a], [kb, b]) => a.activeT - b.activeT || (ka < kb ? -1 : ka > kb ? 1 : 0));
  }

  /** Stops tracking a pair; its last reading stays as a baseline while its series exist. */
  private drop(key: string, pair: Pair, readings: ReadonlyMap<string, unknown>, dormant: Map<string, Baseline>): void {
    this.pairs.delete(key);
    if (readings.has(key)) dormant.set(key, { sum: { ...pair.lastRaw }, readings: pair.readings });
  }

  /**
   * A new pair at `t`. `since`: its last reading while untracked (only what came after counts);
   * else, unless this is the first sample, it appeared since the previous one with all its events.
   */
  private newPair(r: Reading, t: number, since?: Baseline, baseline = false): Pair {
    const { job, slo, counts: raw } = r;
    const pair: Pair = {
      job,
      slo,
      lastRaw: { ...raw },
      readings: SeriesReadings.of(r.series),
      cum: { bad: 0, total: 0 },
      lastT: t,
      activeT: t,
      history: new TieredHistory(this.tierSpecs),
      sparkline: [],
    };
    if (!baseline && this.lastSampleMs !== undefined && this.lastSampleMs < t) {
      // Appeared (or came back) since the previous sample: its events happened in between.
      pair.history.add({ t: this.lastSampleMs, bad: 0, total: 0 });
      if (since === undefined) pair.cum = { bad: Math.min(raw.bad, raw.total), total: raw.total };
      else {
        const from = { lastRaw: since.sum, readings: since.readings, cum: { bad: 0, total: 0 } };
        advance(from, r);
        pair.cum = from.cum;
      }
    }
    return pair;
  }

  private record(pair: Pair, t: number): void {
    pair.lastT = t;
    pair.history.add({ t, bad: pair.cum.bad, total: pair.cum.total });
    const last = pair.sparkline[pair.sparkline.length - 1];
    if (!last || Math.floor(t / this.sparkMs) > Math.floor(last.t / this.sparkMs)) {
      pair.sparkline.push({ t, errorRatio: this.windowCounts(pair, this.sparkWindow, t).errorRatio });
      if (pair.sparkline.length > this.historyPoints) pair.sparkline.splice(0, pair.sparkline.length - this.historyPoints);
    }
  }

  /**
   * Events over one window ending at the latest sample, its start at or just before `nowMs − window`.
   * No events: no error ratio and no burn rate (null, math.ts), as the rules record no series.
   */
  private windowCounts(pair: Pair, window: SloWindow, nowMs: number): SloWindowStatus {
    const base: CountPoint = pair.history.atOrBefore(nowMs - window.ms) ?? { t: pair.lastT, ...pair.cum };
    const events = Math.max(0, pair.cum.total - base.total);
    const badEvents = Math.min(events, Math.max(0, pair.cum.bad - base.bad));
    const ratio = errorRatio(badEvents, events);
    return {
      window: window.name,
      errorRatio: ratio,
      burnRate: burnRate(ratio, pair.slo.config.objective),
      events,
      badEvents,
    };
  }

  private pairStatus(pair: Pair, nowMs: number): SloStatus {
    const { config } = pair.slo;
    const windows = this.windows.map((w) => this.windowCounts(pair, w, nowMs));
    const period = windows.find((w) => w.window === this.config.period) ?? windows[windows.length - 1]!;
    return {
      job: pair.job,
      slo: config.name,
      description: config.description,
      objective: config.objective,
      period: this.config.period,
      ...(config.scope ? { scope: config.scope } : {}),
      sli: sliValue(period.errorRatio),
      errorBudgetRemaining: errorBudgetRemaining(period.badEvents, period.events, config.objective),
      windows,
    };
  }

  private sortedPairs(): Pair[] {
    const order = new Map(this.slos.map((s, i) => [s.config.name, i]));
    return [...this.pairs.values()].sort(
      (a, b) => (a.job < b.job ? -1 : a.job > b.job ? 1 : order.get(a.slo.config.name)! - order.get(b.slo.config.name)!),
    );
  }

  /** `GET /api/slo`: every tracked job × SLO, ordered by job then config order. */
  status(nowMs: number = this.now()): SloApiResponse {
    const pairs = this.sortedPairs();
    return {
      generatedAt: new Date(nowMs).toISOString(),
      slos: pairs.map((p) => this.pairStatus(p, nowMs)),
      noData: this.noData(pairs),
      burnAlerts: this.burnAlerts(),
      timeScale: this.config.timeScale,
    };
  }

  /** The ranges `detail()` accepts: 1h, 6h, 1d and the period. */
  detailRanges(): string[] {
    return detailRanges(this.config.period);
  }

  /**
   * `GET /api/slo/detail`: one pair over `range` (one of `detailRanges()`) from its stored history,
   * and its failed spans in that range by reason and key ID, from the failure log (detail-failures.ts).
   * Undefined for a pair the engine does not track.
   */
  detail(job: string, slo: string, range: string, failureLog: FailureRangeSource): SloDetailResponse | undefined {
    const pair = this.pairs.get(pairKey(job, slo));
    if (!pair) return undefined;
    const { config } = pair.slo;
    const burnAlerts = this.burnAlerts();
    const series = detailSeries({ history: pair.history, objective: config.objective, period: this.config.period, timeScale: this.config.timeScale, burnAlerts, range, to: pair.lastT });
    return {
      job,
      slo,
      description: config.description,
      objective: config.objective,
      period: this.config.period,
      timeScale: this.config.timeScale,
      range,
      ranges: this.detailRanges(),
      to: pair.lastT,
      ...series,
      burnAlerts,
      failures: detailFailures(config.sli, failureLog, job, series.from, pair.lastT, config.scope),
    };
  }

  /**
   * SLOs no tracked job has series for: nothing in their scope (or of their instrument) has been
   * seen, so they have no error ratio at all — "no data", never a 100 % SLI (docs/slo.md).
   */
  private noData(pairs: readonly Pair[]): SloApiResponse['noData'] {
    const served = new Set(pairs.map((p) => p.slo.config.name));
    return this.slos
      .filter((s) => !served.has(s.config.name))
      .map(({ config }) => ({
        slo: config.name,
        description: config.description,
        objective: config.objective,
        period: this.config.period,
        ...(config.scope ? { scope: config.scope } : {}),
      }));
  }

  /** The configured multiwindow burn-rate alerts with their derived factors (unscaled windows). */
  burnAlerts(): SloApiResponse['burnAlerts'] {
    return burnAlertsWithFactor(this.config).map(({ severity, long, short, factor }) => ({ severity, long, short, factor }));
  }

  /** Whether the engine tracks this job and SLO (the HTTP layer answers 404 otherwise). */
  has(job: string, slo: string): boolean {
    return this.pairs.has(pairKey(job, slo));
  }

  /** `GET /api/slo/history`: the 5m window's error ratio, one point per (scaled) minute, oldest first. */
  history(job: string, slo: string): SloHistoryResponse {
    const pair = this.pairs.get(pairKey(job, slo));
    return { job, slo, points: pair ? pair.sparkline.map((p) => ({ ...p })) : [] };
  }

  /** Size figures for the collector's own health metrics and for tests of the memory bound. */
  stats(): SloPairStats & { historyPoints: number } {
    let points = 0;
    for (const p of this.pairs.values()) points += p.history.pointCount + p.sparkline.length;
    return {
      pairs: this.pairs.size,
      untrackedPairs: this.untrackedPairs,
      refusedPairs: this.refusedPairs,
      expiredPairs: this.expiredPairs,
      evictedPairs: this.evictedPairs,
      historyPoints: points,
    };
  }

  /** Everything needed to carry the history over a restart (plain JSON; the collector persists it). */
  toJSON(): SloEngineState {
    return {
      version: 1,
      lastSampleMs: this.lastSampleMs ?? null,
      pairs: [...this.pairs.values()].map((p) => ({
        job: p.job,
        slo: p.slo.config.name,
        sli: p.slo.fingerprint,
        lastRaw: [p.lastRaw.bad, p.lastRaw.total],
        series: p.readings.toJSON() as [string, number, number][] | undefined,
        cum: [p.cum.bad, p.cum.total],
        lastT: p.lastT,
        activeT: p.activeT,
        points: p.history.allPoints().map((q) => [q.t, q.bad, q.total]),
        sparkline: p.sparkline.map((q) => [q.t, q.errorRatio]),
      })),
      dormant: [...this.dormant].map(([key, c]) => [...splitPairKey(key), c.sum.bad, c.sum.total]),
      dormantSeries: [...this.dormant].flatMap(([key, c]) => {
        const series = c.readings.toJSON() as [string, number, number][] | undefined;
        return series ? [[...splitPairKey(key), series] as [string, string, [string, number, number][]]] : [];
      }),
    };
  }

  /**
   * Rebuild an engine from `toJSON()` output under a (possibly changed) config. Pairs of SLOs that no
   * longer exist, or whose SLI definition changed, are dropped: their counts would mean something
   * else now. Throws `SloStateError` when the JSON is not engine state.
   */
  static fromJSON(config: HmacSloConfig, json: unknown, opts: SloEngineOptions = {}): SloEngine {
    const state = parseSloEngineState(json);
    const engine = new SloEngine(config, opts);
    engine.lastSampleMs = state.lastSampleMs ?? undefined;
    const byName = new Map(engine.slos.map((s) => [s.config.name, s]));
    // Baselines taken under another SLI or scope would make deltas of unrelated counts.
    const changed = new Set(state.pairs.filter((p) => byName.has(p.slo) && byName.get(p.slo)!.fingerprint !== p.sli).map((p) => p.slo));
    for (const p of state.pairs) {
      const slo = byName.get(p.slo);
      if (!slo || slo.fingerprint !== p.sli) continue;
      if (engine.pairs.size >= engine.maxPairs) {
        // Over a (lowered) cap: untracked, with its last reading as the baseline.
        engine.dormant.set(pairKey(p.job, p.slo), restoredBaseline(p.lastRaw, p.series));
        continue;
      }
      const pair: Pair = {
        job: p.job,
        slo,
        lastRaw: { bad: p.lastRaw[0], total: p.lastRaw[1] },
        readings: restoredBaseline(p.lastRaw, p.series).readings,
        cum: { bad: p.cum[0], total: p.cum[1] },
        lastT: p.lastT,
        // Saved before activity was kept: as if active at the last sample (kept a full pairTtl more).
        activeT: p.activeT ?? state.lastSampleMs ?? p.lastT,
        history: new TieredHistory(engine.tierSpecs),
        sparkline: p.sparkline.slice(-engine.historyPoints).map(([t, errorRatio]) => ({ t, errorRatio })),
      };
      for (const [t, bad, total] of p.points) pair.history.add({ t, bad, total });
      engine.pairs.set(pairKey(p.job, p.slo), pair);
    }
    const dormantSeries = new Map((state.dormantSeries ?? []).map(([job, slo, series]) => [pairKey(job, slo), series]));
    for (const [job, slo, bad, total] of state.dormant ?? []) {
      const key = pairKey(job, slo);
      if (!changed.has(slo) && !engine.pairs.has(key)) engine.dormant.set(key, restoredBaseline([bad, total], dormantSeries.get(key)));
    }
    // An SLO with nothing restored starts from a baseline. (One unchanged but without data before the
    // restart does too: a job that began pushing into its scope while the collector was down loses
    // those events, rather than every SLO added or changed getting its counters' whole past at once.)
    const restored = new Set([...engine.pairs.values()].map((p) => p.slo.config.name));
    for (const key of engine.dormant.keys()) restored.add(splitPairKey(key)[1]);
    if (engine.lastSampleMs !== undefined) for (const s of engine.slos) if (!restored.has(s.config.name)) engine.baselineSlos.add(s.config.name);
    return engine;
  }
}

export { SloStateError };

function pairKey(job: string, slo: string): string {
  return `${job}\u0000${slo}`;
}

/** [job, slo] of a pair key (an SLO name is a slug: it has no NUL). */
function splitPairKey(key: string): [string, string] {
  const i = key.lastIndexOf('\u0000');
  return [key.slice(0, i), key.slice(i + 1)];
}

/** One sample's reading of a (job, SLO): the summed counts and each series' [bad, total]. */
interface Reading {
  readonly job: string;
  readonly slo: CompiledSlo;
  readonly counts: EventCounts;
  readonly series: Map<string, number[]>;
}

/** An untracked pair's last reading: only what comes after it counts if it gets a place. */
interface Baseline {
  readonly sum: EventCounts;
  readonly readings: SeriesReadings;
}

function baselineOf(r: Reading): Baseline {
  return { sum: { ...r.counts }, readings: SeriesReadings.of(r.series) };
}

/** A baseline from state: per series when saved, else (older state) its sum, compared once. */
function restoredBaseline([bad, total]: readonly [number, number], series: SeriesReadingsJSON | undefined): Baseline {
  return { sum: { bad, total }, readings: series ? SeriesReadings.fromJSON(series) : SeriesReadings.fromSum([bad, total]) };
}

/** Whether a reading has events beyond `since`: any series went up (or restarted and has new events). */
function increased(since: Baseline, r: Reading): boolean {
  const [bad, total] = since.readings.increase(r.series, 2);
  return total! > 0 || bad! > 0;
}

/**
 * Fold a new aggregated reading into the pair's own totals, per series (series-increase.ts): a
 * series that left (an old version's, dropped by the aggregator) stops contributing, it is no
 * reset. The aggregator's totals never go down, but if a series' does (state lost), the
 * counter-reset rule (counter-reset.ts) applies to it: its new value is all new events.
 */
function advance(pair: Pick<Pair, 'lastRaw' | 'readings' | 'cum'>, r: Reading): boolean {
  const [bad, total] = pair.readings.increase(r.series, 2);
  const dTotal = Math.max(0, total!);
  const dBad = Math.min(dTotal, Math.max(0, bad!));
  pair.cum = { bad: pair.cum.bad + dBad, total: pair.cum.total + dTotal };
  pair.lastRaw = { ...r.counts };
  pair.readings.update(r.series);
  return dTotal > 0;
}
