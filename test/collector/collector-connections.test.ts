/**
 * The collector's connection bounds against a real process, with raw sockets (issue 9, finding 5):
 * a slowloris client (headers trickled) and a slow body are cut within the configured timeouts
 * (Node's defaults kept them 60 s and 300 s), and connections over `server.maxConnections` are
 * closed at once while the open ones keep working; one client address cannot hold more than
 * `server.maxConnectionsPerClient` of them. Each cut is counted in the collector's metrics.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { parseExposition, seriesKey, withCollector } from '../support/collector.js';

/** A connected raw socket to the collector, with what it received and when it closed. */
async function open(url: string, localAddress?: string): Promise<{ socket: Socket; received: () => string; closed: Promise<number> }> {
  const { hostname, port } = new URL(url);
  const socket = connect({ port: Number(port), host: hostname, ...(localAddress ? { localAddress } : {}) });
  socket.setNoDelay(true);
  let data = '';
  socket.on('data', (d: Buffer) => (data += d.toString('latin1')));
  socket.on('error', () => {});
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, received: () => data, closed };
}

/** Writes `chunk` every `everyMs` until the socket closes or `limitMs` passes; resolves with the close time (or undefined). */
async function trickle(c: Awaited<ReturnType<typeof open>>, first: string, chunk: string, everyMs: number, limitMs: number): Promise<number | undefined> {
  c.socket.write(first);
  const deadline = Date.now() + limitMs;
  const timer = setInterval(() => {
    if (!c.socket.destroyed && c.socket.writable) c.socket.write(chunk);
  }, everyMs);
  try {
    return await Promise.race([c.closed, new Promise<undefined>((r) => setTimeout(r, Math.max(0, deadline - Date.now())))]);
  } finally {
    clearInterval(timer);
    c.socket.destroy();
  }
}

async function metrics(url: string): Promise<Map<string, number>> {
  return parseExposition(await (await fetch(`${url}/metrics`)).text());
}

test('slowloris headers and a slow body are cut within the configured timeouts, and counted', () =>
  withCollector('collector:\n  server: { headersTimeout: 1s, requestTimeout: 2s, idleTimeout: 5s }\n', async (c) => {
    // Headers trickled one line every 200 ms, never finished: cut after ~1 s (slack for a loaded machine).
    const slowloris = await open(c.url);
    const t0 = Date.now();
    const headersCut = await trickle(slowloris, 'POST /v1/metrics HTTP/1.1\r\nHost: x\r\n', 'X-Slow: 1\r\n', 200, 8_000);
    assert.ok(headersCut !== undefined, 'slowloris connection still open after 8 s');
    assert.ok(headersCut - t0 < 4_000, `slowloris cut after ${headersCut - t0} ms (headersTimeout 1s)`);
    assert.match(slowloris.received(), /^HTTP\/1\.1 408 /);

    // Complete headers, then a body of 10,000 bytes sent 10 bytes every 200 ms: cut after ~2 s.
    const slowBody = await open(c.url);
    const t1 = Date.now();
    const head = 'POST /v1/metrics HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n';
    const bodyCut = await trickle(slowBody, head, '          ', 200, 10_000);
    assert.ok(bodyCut !== undefined, 'slow-body connection still open after 10 s');
    assert.ok(bodyCut - t1 < 5_000, `slow body cut after ${bodyCut - t1} ms (requestTimeout 2s)`);

    // The collector keeps serving, and says what it cut.
    const m = await metrics(c.url);
    assert.ok((m.get(seriesKey('hmac_slo_collector_closed_connections_total', { reason: 'timeout' })) ?? 0) >= 2);
  }));

// Headers and request timeouts long, so only the idle timeout can close a connection that sends half a request.
test('an idle connection is closed after the idle timeout', () =>
  withCollector('collector:\n  server: { headersTimeout: 60s, requestTimeout: 60s, idleTimeout: 1s }\n', async (c) => {
    const idle = await open(c.url);
    const t0 = Date.now();
    idle.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    const closedAt = await Promise.race([idle.closed, new Promise<undefined>((r) => setTimeout(r, 8_000))]);
    idle.socket.destroy();
    assert.ok(closedAt !== undefined, 'idle connection still open after 8 s');
    assert.ok(closedAt - t0 < 4_000, `idle connection cut after ${closedAt - t0} ms (idleTimeout 1s)`);
  }));

test('connections over maxConnections are closed at once; the open ones keep working', () =>
  withCollector('collector:\n  server: { maxConnections: 3 }\n', async (c) => {
    const held: Awaited<ReturnType<typeof open>>[] = [];
    try {
      for (let i = 0; i < 3; i++) held.push(await open(c.url));
      // Give the server a moment to have accepted all three before the fourth arrives.
      await new Promise((r) => setTimeout(r, 200));
      const extra = await open(c.url);
      extra.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      const closed = await Promise.race([extra.closed, new Promise<undefined>((r) => setTimeout(r, 5_000))]);
      extra.socket.destroy();
      assert.ok(closed !== undefined, 'the connection over the cap was kept open');
      assert.doesNotMatch(extra.received(), /200 OK/);
      // An existing connection still gets answers.
      const first = held[0]!;
      first.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      const deadline = Date.now() + 5_000;
      while (!/\{"status":"ok"\}/.test(first.received()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.match(first.received(), /^HTTP\/1\.1 200 OK/);
      for (const h of held) h.socket.destroy();
      await Promise.all(held.map((h) => h.closed));
      // Room again once they are gone; the refusal was counted.
      let m: Map<string, number> | undefined;
      for (const end = Date.now() + 5_000; !m && Date.now() < end; ) m = await metrics(c.url).catch(() => undefined);
      assert.ok((m?.get(seriesKey('hmac_slo_collector_closed_connections_total', { reason: 'max_connections' })) ?? 0) >= 1);
    } finally {
      for (const h of held) h.socket.destroy();
    }
  }));

test('one client address holds at most maxConnectionsPerClient (default 64) connections; another address still gets in', () =>
  withCollector('{}\n', async (c) => {
    const held: Awaited<ReturnType<typeof open>>[] = [];
    try {
      // A stranger with idle sockets (the review held 520 to starve everyone).
      for (let i = 0; i < 80; i++) held.push(await open(c.url));
      const closed = () => held.filter((h) => h.socket.destroyed).length;
      for (const end = Date.now() + 5_000; closed() < 16 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 300)); // and no more than those
      assert.equal(closed(), 16, 'the connections over 64 are cut at once');
      // Another client address (127.0.0.2 is loopback too on Linux) is served.
      const other = await open(c.url, '127.0.0.2');
      other.socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      await other.closed;
      assert.match(other.received(), /^HTTP\/1\.1 200 OK/);
      const m = parseExposition(other.received().slice(other.received().indexOf('\r\n\r\n') + 4));
      assert.equal(m.get(seriesKey('hmac_slo_collector_closed_connections_total', { reason: 'max_connections_per_client' })), 16);
    } finally {
      for (const h of held) h.socket.destroy();
    }
  }));
