/**
 * Collector ingestion and scrape benchmark (issue 3), on loopback, in one run:
 *  - OTLP protobuf export requests per second the collector ingests (each ~50 data points: a
 *    verification counter by key/outcome/reason, a latency histogram, KMS operations; 1,000 distinct
 *    pushers over 200 jobs, cumulative values growing every round), against a bare node:http server
 *    that only reads and discards the same bodies — the ratio is the figure (target ≥ 50 %);
 *  - p50/p99 ingest latency;
 *  - `/metrics` scrape time with 10,000 aggregated series (target < 100 ms);
 *  - the collector's peak RSS (VmHWM);
 *  - server CPU per request, and the in-process cost of the ingest steps (collector-stages.ts);
 *  - the big-pusher load (collector-big-pusher.ts): one client offering ~1.5M per-pusher readings
 *    to a fresh collector, held to collector.limits.maxReadings; its peak RSS against its own RSS
 *    at start.
 * Both servers run as child processes; the load generator keeps 16 requests in flight. The two are
 * measured in alternating rounds (see ROUNDS); the ratio printed is that of the median rates.
 * Run: `npm run bench -- collector` (or `node --conditions=source --import tsx bench/collector.bench.ts`).
 * Bodies are encoded with protobufjs from the collector's OTLP schema, whose wire format the tests
 * check against the real `@opentelemetry/exporter-metrics-otlp-proto`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, get, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchBody as body, PUSHERS } from './collector-bodies.js';
import { SOURCE_CLI, startCollector } from '../test/support/collector.js';
import { Children, waitFor } from '../test/support/processes.js';
import { cpuMs, median, peakRssMiB } from './measure.js';
import { stageCosts } from './collector-stages.js';
import { bigPusher } from './collector-big-pusher.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 6000);
/**
 * The load is split into rounds, bare and collector alternating (B C B C …), and each side's rate is
 * the median of its rounds: on a shared, noisy machine a neighbour's burst then slows one round of
 * each side rather than the whole of one side.
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
/** Warm-up requests (JIT) per server, not measured: one push of every pusher. */
const WARM = PUSHERS;
const CONCURRENCY = 16;

const BARE = `
import { createServer } from 'node:http';
const s = createServer((req, res) => { req.on('data', () => {}); req.on('end', () => { res.writeHead(200, { 'content-type': 'application/x-protobuf' }); res.end(); }); });
s.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ url: 'http://127.0.0.1:' + s.address().port })));
`;

interface Load {
  rps: number;
  /** Every request's latency, ms. */
  latencies: number[];
  failures: number;
}

/** `total` requests, request `first + i` being push `(first + i) % PUSHERS` of its round. */
async function load(url: string, bodies: Buffer[][], total: number, first = 0): Promise<Load> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const target = new URL('/v1/metrics', url);
  const latencies: number[] = [];
  let next = 0;
  let failures = 0;
  const one = (b: Buffer) =>
    new Promise<void>((resolve) => {
      const t0 = process.hrtime.bigint();
      const req = request(target, { method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-length': b.length } }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode !== 200) failures++;
          latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
          resolve();
        });
      });
      req.on('error', () => {
        failures++;
        resolve();
      });
      req.end(b);
    });
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (;;) {
        if (next >= total) return;
        const i = first + next++;
        // Round r of pusher p: every pusher pushes once per round, values growing.
        const round = Math.floor(i / PUSHERS) % bodies.length;
        await one(bodies[round]![i % PUSHERS]!);
      }
    }),
  );
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  agent.destroy();
  return { rps: total / secs, latencies, failures };
}

function quantile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
}

async function main(): Promise<void> {
  const startNs = String(BigInt(Date.now() - 60_000) * 1_000_000n);
  const rounds = Math.ceil((WARM + REQUESTS) / PUSHERS);
  const bodies = Array.from({ length: rounds }, (_, r) => Array.from({ length: PUSHERS }, (_, p) => body(p, r, startNs)));
  const avg = bodies[0]!.reduce((a, b) => a + b.length, 0) / PUSHERS;
  console.log(`bodies: ${PUSHERS} pushers × ${rounds} rounds, ~${Math.round(avg)} bytes, 50 data points each; ${REQUESTS} requests, ${CONCURRENCY} in flight`);

  const dir = mkdtempSync(join(tmpdir(), 'hmac-slo-bench-'));
  const bareFile = join(dir, 'bare.mjs');
  writeFileSync(bareFile, BARE);
  // Processes come from test/support, as the tests' do; their logs stay in the bench's temp dir.
  const children = new Children(join(dir, 'logs'));
  const bareChild = children.spawn('bare', process.execPath, [bareFile]);
  const bare = {
    child: bareChild.process,
    url: await waitFor('bare server url', () => /"url":"(http:\/\/[^"]+)"/.exec(bareChild.output())?.[1], 20_000, 50),
  };
  const cpuProf = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const coll = await startCollector({ dir, cli: [...cpuProf, ...SOURCE_CLI] });
  try {
    // Warm-up both (JIT), not measured.
    await load(bare.url, bodies, WARM);
    await load(coll.url, bodies, WARM); // round 0 of every pusher
    const per = Math.ceil(REQUESTS / ROUNDS);
    const bare_: Load[] = [];
    const coll_: Load[] = [];
    // CPU the servers use for the measured requests, as a cost per request that the machine's
    // noise does not change much (unlike the rates).
    let bareCpu = 0;
    let collCpu = 0;
    for (let r = 0; r < ROUNDS; r++) {
      let t = cpuMs(bare.child.pid!);
      bare_.push(await load(bare.url, bodies, per, WARM + r * per));
      bareCpu += cpuMs(bare.child.pid!) - t;
      t = cpuMs(coll.child.pid!);
      // The collector sees the rounds in order: its pushers' cumulative values keep growing.
      coll_.push(await load(coll.url, bodies, per, WARM + r * per));
      collCpu += cpuMs(coll.child.pid!) - t;
    }
    const summary = (ls: Load[]) => {
      const all = ls.flatMap((l) => l.latencies);
      return { rps: median(ls.map((l) => l.rps)), p50: quantile(all, 0.5), p99: quantile(all, 0.99), failures: ls.reduce((a, l) => a + l.failures, 0) };
    };
    const b = summary(bare_);
    const c = summary(coll_);
    const ratios = coll_.map((l, i) => l.rps / bare_[i]!.rps);

    const scrapes: number[] = [];
    const text = await (await fetch(`${coll.url}/metrics`)).text();
    const series = Number(/^hmac_slo_collector_series (\d+)/m.exec(text)?.[1] ?? 0);
    let bytes = 0;
    for (let i = 0; i < 15; i++) {
      // Time to the last byte, as a scraper sees it (the body is counted, not decoded).
      const t0 = process.hrtime.bigint();
      bytes = await new Promise<number>((resolve, reject) => {
        get(`${coll.url}/metrics`, (res) => {
          let n = 0;
          res.on('data', (d: Buffer) => (n += d.length));
          res.on('end', () => resolve(n));
        }).on('error', reject);
      });
      scrapes.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    scrapes.sort((x, y) => x - y);
    const rss = peakRssMiB(coll.child.pid!);
    const f = (n: number, d = 0) => n.toFixed(d);
    console.log('');
    console.log(`bare node:http (read + discard): ${f(b.rps)} req/s  p50 ${f(b.p50, 2)} ms  p99 ${f(b.p99, 2)} ms`);
    console.log(`hmac-slo collector (ingest):     ${f(c.rps)} req/s  p50 ${f(c.p50, 2)} ms  p99 ${f(c.p99, 2)} ms  (${f(c.rps * 50)} data points/s, ${c.failures} failed)`);
    console.log(`ratio collector / bare: ${f((100 * c.rps) / b.rps, 1)} % of the medians; per round ${ratios.map((x) => f(100 * x, 0)).join(' ')} %, median ${f(100 * median(ratios), 1)} %  (target ≥ 50 %)`);
    const perReq = (ms: number) => f((ms * 1000) / (per * ROUNDS));
    console.log(`server CPU per request: bare ${perReq(bareCpu)} µs, collector ${perReq(collCpu)} µs`);
    console.log(`/metrics scrape with ${series} aggregated series (${f(bytes / 1024 / 1024, 1)} MiB): median ${f(scrapes[7]!, 1)} ms, max ${f(scrapes[14]!, 1)} ms  (target < 100 ms)`);
    console.log(`collector peak RSS: ${f(rss, 0)} MiB`);
    // After the servers' figures, so this in-process measurement does not compete with them.
    const st = stageCosts();
    console.log(`in-process per request: decode ${f(st.decode, 1)} µs, aggregate ${f(st.aggregate, 1)} µs, push-log framing (CRC-32) ${f(st.logFrame, 1)} µs`);
    // Last, on its own collector, once the ingest servers are idle.
    await bareChild.kill();
    const big = await bigPusher(dir);
    console.log(
      `big pusher: ${big.offered} readings offered in ${f(big.seconds, 1)} s, ${big.held} held (maxReadings), ${big.refused} refused (reading_limit); ` +
        `peak RSS ${f(big.peakMiB, 0)} MiB = ${f(big.peakMiB / big.baselineMiB, 1)}× the fresh collector's ${f(big.baselineMiB, 0)} MiB ` +
        `(${f(((big.peakMiB - big.baselineMiB) * 1024 * 1024) / big.held, 0)} bytes per reading held, snapshot included)`,
    );
  } finally {
    await coll.stop();
    await children.killAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
