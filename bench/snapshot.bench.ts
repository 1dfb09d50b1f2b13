/**
 * Snapshot benchmark (issue 9, finding 5): `/healthz` latency while the collector writes snapshots
 * of a big state. The state (READINGS per-pusher cumulative readings from PUSHERS pushers, by
 * default one, as in the issue) is written as a snapshot file, a real collector process loads it,
 * and with timeScale 30 it snapshots every 2 s; meanwhile one client asks `/healthz` back to back.
 * Printed: latency p50 / p99 / max, each snapshot's copy and total time, snapshots written (and
 * failed), the snapshot size and the collector's peak RSS.
 * Run: `npm run bench -- snapshot` (BENCH_READINGS=4000000 for the big case).
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseExposition, seriesKey, startCollector, tempDir } from '../test/support/collector.js';
import { median } from './measure.js';

const READINGS = Number(process.env.BENCH_READINGS ?? 1_000_000);
const PUSHERS = Number(process.env.BENCH_PUSHERS ?? 1);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 12);

/** A version 1 snapshot: one counter series per pusher and READINGS / PUSHERS readings each. */
function bigSnapshot(): string {
  const now = Date.now() + 3_600_000; // seen "in the future": nobody expires during the run
  const series: unknown[] = [];
  const pushers: unknown[] = [];
  const per = Math.ceil(READINGS / PUSHERS);
  for (let p = 0; p < PUSHERS; p++) {
    const key = `big\0hmac.auth.verifications\0p${p}`;
    series.push([key, { job: 'big', name: 'hmac.auth.verifications', promName: 'hmac_auth_verifications_total', attributes: { p: `p${p}` }, kind: 'counter', value: per, description: '', unit: '' }]);
    const readings: unknown[] = [];
    for (let r = 0; r < per; r++) readings.push([`big\0hmac.auth.verifications\0p${p}\0r${r}`, { start: '1700000000000000000', value: r }]);
    pushers.push([`pusher-${p}`, now, readings, null]);
  }
  const aggregator = { version: 1, series, pushers, tombstones: [], overflow: 0 };
  return JSON.stringify({ version: 1, savedAtMs: Date.now(), nextLog: 0, aggregator, slo: { version: 1, lastSampleMs: null, pairs: [] } });
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

const tmp = tempDir();
try {
  mkdirSync(join(tmp.dir, 'state'));
  writeFileSync(join(tmp.dir, 'state', 'state.json'), bigSnapshot());
  const started = Date.now();
  const c = await startCollector({ dir: tmp.dir, configYaml: 'timeScale: 30\n' });
  console.log(`${READINGS.toLocaleString('en')} readings: loaded (collector listening) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  try {
    const latencies: number[] = [];
    const until = Date.now() + SECONDS * 1000;
    while (Date.now() < until) {
      const t0 = performance.now();
      const res = await fetch(`${c.url}/healthz`);
      await res.arrayBuffer();
      latencies.push(performance.now() - t0);
    }
    const m = parseExposition(await (await fetch(`${c.url}/metrics`)).text());
    const sorted = latencies.sort((a, b) => a - b);
    const snapshots = m.get(seriesKey('hmac_slo_collector_snapshots_total', {}));
    const errors = m.get(seriesKey('hmac_slo_collector_snapshot_errors_total', {}));
    const size = statSync(join(tmp.dir, 'state', 'state.json')).size;
    const status = readFileSync(`/proc/${c.child.pid}/status`, 'utf8');
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    console.log(
      `/healthz during ${SECONDS} s of snapshots every 2 s: ${latencies.length} requests, p50 ${median(sorted).toFixed(1)} ms, ` +
        `p99 ${quantile(sorted, 0.99).toFixed(1)} ms, max ${sorted[sorted.length - 1]!.toFixed(1)} ms`,
    );
    const copies = [...c.output().matchAll(/"copyMs":(\d+),"totalMs":(\d+)/g)].map((x) => `${x[1]}/${x[2]}`);
    console.log(`snapshot copy/total ms: ${copies.join(', ') || 'n/a'}`);
    console.log(`snapshots written ${snapshots} (failed ${errors}); state.json ${(size / 1e6).toFixed(0)} MB; collector peak RSS ${hwm ? (Number(hwm) / 1024).toFixed(0) : '?'} MiB`);
  } finally {
    await c.stop();
  }
} finally {
  tmp.cleanup();
}
