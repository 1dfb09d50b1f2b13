/**
 * No traffic is no data (docs/slo.md), through a real collector process fed by real OpenTelemetry SDK
 * pushers: a job whose series exist but never had an event, and a window in which a busy job had
 * none, have `errorRatio: null` and `burnRate: null` in GET /api/slo (and the pair without events
 * over the period `sli: null`, `errorBudgetRemaining: null`) — never 0 / 100 %, never NaN.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SloApiResponse, SloStatus } from '../../src/collector/model.js';
import { afterNextSample, startCollector, tempDir } from '../support/collector.js';
import { Pusher } from './otel-pushers.js';

const TIME_SCALE = 60; // window "5m" is 5 s of real time

function pair(status: SloApiResponse, job: string, slo = 'auth-success'): SloStatus {
  const found = status.slos.find((s) => s.job === job && s.slo === slo);
  assert.ok(found, `${job}/${slo} in /api/slo: ${status.slos.map((s) => `${s.job}/${s.slo}`).join(', ')}`);
  return found;
}
const win = (s: SloStatus, window: string) => s.windows.find((w) => w.window === window)!;

test('GET /api/slo of a real collector: a quiet pair and a window without events are null (no data), not 100 %', async () => {
  const { dir, cleanup } = tempDir();
  const collector = await startCollector({ dir, configYaml: JSON.stringify({ timeScale: TIME_SCALE }) });
  const pushers: Pusher[] = [];
  try {
    await afterNextSample(collector.url); // a baseline before any traffic
    const pusher = (job: string) => {
      const p = new Pusher({ url: collector.url, protocol: 'json', temporality: 'cumulative', serviceName: job, instance: `${job}-1` });
      pushers.push(p);
      return p;
    };
    const busy = pusher('busy');
    busy.verifications.add(99, { 'hmac.scheme': 'stripe', 'hmac.outcome': 'accepted' });
    busy.verifications.add(1, { 'hmac.scheme': 'stripe', 'hmac.outcome': 'rejected', 'error.type': 'signature_mismatch' });
    // The series exists (a data point of 0), but nothing was ever verified.
    const quiet = pusher('quiet');
    quiet.verifications.add(0, { 'hmac.scheme': 'stripe', 'hmac.outcome': 'accepted' });
    await busy.flush();
    await quiet.flush();
    await afterNextSample(collector.url);

    const first = (await (await fetch(`${collector.url}/api/slo`)).json()) as SloApiResponse;
    const idle = pair(first, 'quiet');
    assert.equal(idle.sli, null);
    assert.equal(idle.errorBudgetRemaining, null);
    for (const w of idle.windows) assert.deepEqual([w.window, w.errorRatio, w.burnRate, w.events], [w.window, null, null, 0]);
    assert.equal(win(pair(first, 'busy'), '5m').errorRatio, 0.01);
    assert.ok(!first.noData?.some((s) => s.slo === 'auth-success'), 'the SLO has data: from busy');

    // More than "5m" later with no new events: busy's 5m window is no data; its longer ones keep 1 %.
    await new Promise((r) => setTimeout(r, (5 * 60_000) / TIME_SCALE + 500));
    await busy.flush(); // the same cumulative values again: series present, no increase
    await afterNextSample(collector.url);
    const later = (await (await fetch(`${collector.url}/api/slo`)).json()) as SloApiResponse;
    const b = pair(later, 'busy');
    assert.deepEqual([win(b, '5m').errorRatio, win(b, '5m').burnRate, win(b, '5m').events], [null, null, 0]);
    assert.equal(win(b, '30m').errorRatio, 0.01);
    assert.ok(Math.abs(b.sli! - 0.99) < 1e-12 && Math.abs(b.errorBudgetRemaining! - (1 - 0.01 / 0.001)) < 1e-9, JSON.stringify(b));
    assert.equal(pair(later, 'quiet').sli, null);
  } finally {
    for (const p of pushers) await p.shutdown();
    await collector.stop();
    cleanup();
  }
});
