/**
 * Persistence that fails safe (issue 9, findings 1, 3 and 4), on a real collector process:
 * a full disk (a small tmpfs) gets pushes refused with 503, never a 200 that is lost, and every push
 * answered 200 survives a SIGKILL once space is back; a snapshot that does not fit leaves the
 * previous one and the logs; a log of 150,000 records replays; a hand-edited snapshot with a
 * wrong-typed field is moved aside; a snapshot holding a number JSON cannot hold is refused.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { ATTR, INSTRUMENTS } from '@hmac-slo/instrumentation/contract';
import { parseExposition, seriesKey, startCollector, tempDir, type CollectorProcess } from '../support/collector.js';
import { frameRecord } from '../../src/collector/state/store.js';
import { CollectorCore, RECORD_FORGET, RECORD_JSON } from '../../src/collector/core.js';
import { SelfMetrics } from '../../src/collector/self-metrics.js';
import { loadConfig } from '../../src/config/load.js';
import { decodeMetrics } from '../../src/collector/otlp/body.js';

const V = INSTRUMENTS.verifications.prometheus;

/** An OTLP/JSON body: `n` delta verifications, one per key ID, from one instance (padded to size). */
function deltaBody(job: string, instance: string, keys: number, pad = 0): string {
  const attr = (key: string, value: string) => ({ key, value: { stringValue: value } });
  const points = Array.from({ length: keys }, (_, k) => ({
    attributes: [attr(ATTR.outcome, 'accepted'), attr(ATTR.keyId, `k${k}`)],
    timeUnixNano: '1700000000000000000',
    asInt: '1',
  }));
  const resource = { attributes: [attr('service.name', job), attr('service.instance.id', instance), attr('pad', 'x'.repeat(pad))] };
  const sum = { aggregationTemporality: 1, isMonotonic: true, dataPoints: points };
  return JSON.stringify({ resourceMetrics: [{ resource, scopeMetrics: [{ metrics: [{ name: INSTRUMENTS.verifications.name, sum }] }] }] });
}

async function push(c: CollectorProcess, body: string): Promise<number> {
  const res = await fetch(`${c.url}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  await res.arrayBuffer();
  return res.status;
}

async function metrics(c: CollectorProcess): Promise<Map<string, number>> {
  return parseExposition(await (await fetch(`${c.url}/metrics`)).text());
}

/** Sum of the verifications counter over every series of `job`. */
async function total(c: CollectorProcess, job: string): Promise<number> {
  let n = 0;
  for (const [k, v] of await metrics(c)) if (k.startsWith(`${V}{`) && /[{,]job=([^,}]*)/.exec(k)?.[1] === job) n += v;
  return n;
}

/** A tmpfs of `size` mounted on a fresh directory (root only: skips the test otherwise). */
function smallDisk(t: TestContext, size: string): { dir: string; cleanup(): void } | undefined {
  const tmp = tempDir();
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', tmp.dir], { stdio: 'pipe' });
  } catch (err) {
    tmp.cleanup();
    t.skip(`cannot mount a tmpfs here (${(err as Error).message.split('\n')[0]}): needs root`);
    return undefined;
  }
  return {
    dir: tmp.dir,
    cleanup: () => {
      execFileSync('umount', [tmp.dir]);
      tmp.cleanup();
    },
  };
}

/** Fills the disk holding `path` until a write fails, leaving `leave` bytes free; returns the file. */
function fillDisk(path: string, leave = 0): string {
  const chunk = Buffer.alloc(64 * 1024, 1);
  const fd = openSync(path, 'w');
  let size = 0;
  try {
    for (;;) size += writeSync(fd, chunk);
  } catch (err) {
    assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
  }
  if (leave > 0) ftruncateSync(fd, Math.max(0, size - leave));
  closeSync(fd);
  return path;
}

test('a full disk: pushes get 503 (never 200), and every push answered 200 survives a SIGKILL once space is back', async (t) => {
  const disk = smallDisk(t, '8m');
  if (!disk) return;
  let c = await startCollector({ dir: disk.dir });
  try {
    let acknowledged = 0;
    const statuses = new Map<number, number>();
    // Four concurrent pushers; bodies of ~6 KiB, more than a page, so a full disk cuts them short.
    const round = (pushes: number) =>
      Promise.all(
        [0, 1, 2, 3].map(async (i) => {
          for (let n = 0; n < pushes; n++) {
            const status = await push(c, deltaBody('disk', `i${i}`, 1, 6000));
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
            if (status === 200) acknowledged++;
          }
        }),
      );
    await round(5);
    assert.deepEqual([...statuses], [[200, 20]]);
    statuses.clear();
    const filler = fillDisk(join(disk.dir, 'filler'));
    await round(10);
    const refused = [...statuses];
    statuses.clear();
    unlinkSync(filler);
    await round(5);
    assert.deepEqual([...statuses], [[200, 20]], 'pushes succeed again once space is back');
    const m = await metrics(c);
    assert.equal(await total(c, 'disk'), acknowledged);
    await c.kill();
    c = await startCollector({ dir: disk.dir });
    assert.equal(await total(c, 'disk'), acknowledged, `every push answered 200 survives: ${c.output()}`);
    assert.deepEqual(refused, [[503, 40]], 'every push refused with 503 while the disk was full');
    assert.equal(m.get(seriesKey('hmac_slo_collector_rejected_pushes_total', { signal: 'metrics', reason: 'storage_unavailable' })), 40);
    assert.equal(acknowledged, 40);
    assert.doesNotMatch(c.output(), /moved aside/);
  } finally {
    await c.stop();
    disk.cleanup();
  }
});

test('a snapshot that does not fit on the disk leaves the previous snapshot and every log; a restart has everything', async (t) => {
  const disk = smallDisk(t, '8m');
  if (!disk) return;
  let c = await startCollector({ dir: disk.dir });
  try {
    // 200 series, so that the snapshot needs far more than the few pages left free below.
    for (let i = 0; i < 3; i++) assert.equal(await push(c, deltaBody('snap', 'a', 200)), 200);
    const state = join(disk.dir, 'state');
    // The snapshot taken at start is written in the background: the one that must stay.
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
      if ((await metrics(c)).get(seriesKey('hmac_slo_collector_snapshots_total', {})) === 1) break;
    }
    const previous = readFileSync(join(state, 'state.json'));
    const filler = fillDisk(join(disk.dir, 'filler'), 8192);
    assert.equal(await c.stop(), 0, c.output()); // SIGTERM: the final snapshot runs out of space
    assert.match(c.output(), /writing the state snapshot failed/);
    assert.deepEqual(readFileSync(join(state, 'state.json')), previous, 'the previous snapshot stays');
    assert.ok(!existsSync(join(state, 'state.json.tmp')), 'the partial snapshot is removed');
    unlinkSync(filler);
    c = await startCollector({ dir: disk.dir });
    assert.equal(await total(c, 'snap'), 600, c.output());
    assert.doesNotMatch(c.output(), /moved aside/);
  } finally {
    await c.stop();
    disk.cleanup();
  }
});

test('a push log of 150,000 records replays at start', async () => {
  const tmp = tempDir();
  try {
    const state = join(tmp.dir, 'state');
    mkdirSync(state);
    // Mostly tiny records (forgetting an unknown pusher changes nothing), with ten pushes among them.
    const bufs: Buffer[] = [];
    const forget = Buffer.from('["nobody"]');
    for (let i = 0; i < 150_000; i++) {
      if (i % 15_000 === 0) bufs.push(...frameRecord(RECORD_JSON, 1_700_000_000_000 + i, Buffer.from(deltaBody('busy', 'b', 1))));
      else bufs.push(...frameRecord(RECORD_FORGET, 1_700_000_000_000 + i, forget));
    }
    writeFileSync(join(state, 'log-0.bin'), Buffer.concat(bufs));
    const c = await startCollector({ dir: tmp.dir });
    try {
      assert.equal(await total(c, 'busy'), 10, c.output());
    } finally {
      await c.stop();
    }
  } finally {
    tmp.cleanup();
  }
});

test('a hand-edited snapshot with a wrong-typed field is moved aside with an error line, and the collector starts', async () => {
  const damage: Record<string, (snap: { aggregator: { series: [string, Record<string, unknown>][] } }) => void> = {
    'attributes: null': (s) => void (s.aggregator.series[0]![1].attributes = null),
    'a string value': (s) => void (s.aggregator.series[0]![1].value = '12'),
    'a histogram with mismatched arrays': (s) => {
      const series = s.aggregator.series[0]![1];
      series.kind = 'histogram';
      series.histogram = { bounds: [1, 2, 3], counts: [1], sum: 1, count: 1 };
    },
  };
  for (const [what, edit] of Object.entries(damage)) {
    const tmp = tempDir();
    let c = await startCollector({ dir: tmp.dir });
    try {
      assert.equal(await push(c, deltaBody('edited', 'e', 1)), 200);
      assert.equal(await c.stop(), 0);
      const path = join(tmp.dir, 'state', 'state.json');
      const snap = JSON.parse(readFileSync(path, 'utf8'));
      edit(snap);
      writeFileSync(path, JSON.stringify(snap));
      c = await startCollector({ dir: tmp.dir });
      assert.equal((await fetch(`${c.url}/readyz`)).status, 200, what);
      assert.match(c.output(), /state file unreadable: moved aside/, what);
      assert.ok(readdirSync(join(tmp.dir, 'state')).some((f) => f.startsWith('state.json.corrupt-')), what);
      assert.equal((await fetch(`${c.url}/metrics`)).status, 200, what);
    } finally {
      await c.stop();
      tmp.cleanup();
    }
  }
});

test('a snapshot holding a number JSON cannot hold is refused and counted; the last snapshot and the logs stay', async () => {
  const tmp = tempDir();
  try {
    const config = loadConfig();
    const self = new SelfMetrics();
    const core = new CollectorCore(config, join(tmp.dir, 'state'), pino({ level: 'silent' }), self);
    core.recover();
    await core.recovered;
    const body = Buffer.from(deltaBody('inf', 'i', 1));
    await core.ingestMetrics(decodeMetrics(body, 'json', config.collector.limits), Date.now(), body, 'json');
    assert.equal([...core.rawSeries()].length, 1);
    const state = join(tmp.dir, 'state');
    const previous = readFileSync(join(state, 'state.json'));
    const logs = readdirSync(state).filter((f) => f.startsWith('log-'));
    for (const s of core.rawSeries()) (s as { value: number }).value = Infinity;
    await core.snapshot(Date.now());
    assert.equal(self.snapshotErrors, 1);
    assert.deepEqual(readFileSync(join(state, 'state.json')), previous);
    for (const f of logs) assert.ok(statSync(join(state, f)).isFile(), `${f} kept`);
    core.close();
  } finally {
    tmp.cleanup();
  }
});
