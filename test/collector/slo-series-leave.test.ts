import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.js';
import type { AggregatedSeries, SeriesSource } from '../../src/collector/model.js';
import { SloEngine } from '../../src/collector/slo/index.js';

const T0 = Date.UTC(2026, 0, 1);
const S = 1000;

/** The aggregator's view of one job pushing under several versions (resource label service_version). */
class Versions implements SeriesSource {
  readonly map = new Map<string, AggregatedSeries>();
  series(): Iterable<AggregatedSeries> {
    return this.map.values();
  }
  verify(version: string, n: number, outcome = 'accepted'): void {
    const key = `${version}|${outcome}`;
    const prev = this.map.get(key)?.value ?? 0;
    const attributes: Record<string, string> = { 'hmac.scheme': 'stripe', 'hmac.key_id': 'k1', 'hmac.outcome': outcome, 'service.version': version };
    if (outcome !== 'accepted') attributes['error.type'] = 'bad_signature';
    this.map.set(key, { job: 'api', name: 'hmac.auth.verifications', promName: 'hmac_auth_verifications_total', attributes, kind: 'counter', value: prev + n });
  }
  /** The aggregator drops a version's series (no pusher had it for seriesTtl); returns them, as expired totals. */
  drop(version: string): AggregatedSeries[] {
    const out = [...this.map].filter(([k]) => k.startsWith(`${version}|`));
    for (const [k] of out) this.map.delete(k);
    return out.map(([, s]) => s);
  }
}

function events(engine: SloEngine, t: number): { events: number; badEvents: number } {
  const s = engine.status(t).slos.find((x) => x.job === 'api' && x.slo === 'auth-success')!;
  const w = s.windows.find((x) => x.window === '5m')!;
  return { events: w.events, badEvents: w.badEvents };
}

test("a version's series leaving is no counter reset: the SLO counts exactly the events pushed", () => {
  const engine = new SloEngine(parseConfig({}));
  const src = new Versions();
  src.verify('1.0.0', 0);
  engine.sample(src, T0);
  src.verify('1.0.0', 100);
  src.verify('1.0.0', 4, 'rejected');
  engine.sample(src, T0 + 10 * S);
  src.verify('1.1.0', 30); // deploy: the new version's series appear with their events
  engine.sample(src, T0 + 20 * S);
  src.drop('1.0.0'); // the old version's series leave while the job keeps pushing
  src.verify('1.1.0', 6);
  engine.sample(src, T0 + 30 * S);
  assert.deepEqual(events(engine, T0 + 30 * S), { events: 104 + 30 + 6, badEvents: 4 });
  src.verify('1.1.0', 10);
  engine.sample(src, T0 + 40 * S);
  assert.deepEqual(events(engine, T0 + 40 * S), { events: 150, badEvents: 4 });
});

/** Version 1.0.0 with 100 events and 1.1.0 with 20, sampled after a baseline. */
function twoVersions(): { config: ReturnType<typeof parseConfig>; engine: SloEngine; src: Versions } {
  const config = parseConfig({});
  const engine = new SloEngine(config);
  const src = new Versions();
  src.verify('1.0.0', 0);
  engine.sample(src, T0);
  src.verify('1.0.0', 100);
  src.verify('1.1.0', 20);
  engine.sample(src, T0 + 10 * S);
  return { config, engine, src };
}

test('a version that comes back resuming from its remembered totals counts only its new events', () => {
  const { engine, src } = twoVersions();
  const [old] = src.drop('1.0.0');
  engine.sample(src, T0 + 20 * S);
  src.map.set('1.0.0|accepted', { ...old!, value: old!.value + 3 }); // rollback: resumes from 100
  engine.sample(src, T0 + 30 * S);
  assert.equal(events(engine, T0 + 30 * S).events, 123);
});

test('a restart between the samples keeps the count exact across the drop (per-series readings persisted)', () => {
  const { config, engine, src } = twoVersions();
  const restored = SloEngine.fromJSON(config, JSON.parse(JSON.stringify(engine.toJSON())));
  src.drop('1.0.0');
  src.verify('1.1.0', 5);
  restored.sample(src, T0 + 20 * S);
  assert.equal(events(restored, T0 + 20 * S).events, 125);
});

test('state saved before per-series readings loads: its sum is compared once, then per series', () => {
  const { config, engine, src } = twoVersions();
  const json = JSON.parse(JSON.stringify(engine.toJSON())) as { pairs: { series?: unknown }[]; dormantSeries?: unknown };
  for (const p of json.pairs) delete p.series;
  delete json.dormantSeries;
  const restored = SloEngine.fromJSON(config, json);
  src.verify('1.1.0', 5);
  restored.sample(src, T0 + 20 * S);
  src.drop('1.0.0');
  src.verify('1.1.0', 5);
  restored.sample(src, T0 + 30 * S);
  assert.equal(events(restored, T0 + 30 * S).events, 130);
});
