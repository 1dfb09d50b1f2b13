/**
 * The inhibitions in alerts/alertmanager.yml, proven on a real Alertmanager (amtool cannot test
 * inhibition): started on 127.0.0.1 with the example config, fed alerts through its v2 API, and asked
 * which alerts it suppresses and by which source.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runAlertmanager } from '../support/alertmanager.js';
import { Children } from '../support/processes.js';

const root = join(import.meta.dirname, '..', '..');

interface ApiAlert {
  labels: Record<string, string>;
  fingerprint: string;
  status: { state: string; inhibitedBy: string[]; silencedBy: string[] };
}

const storage = mkdtempSync(join(tmpdir(), 'hmac-slo-am-'));
const children = new Children(join(storage, 'logs'));
after(async () => {
  // Wait for the exit before removing its storage: Alertmanager writes its state on shutdown.
  await children.killAll(5000);
  rmSync(storage, { recursive: true, force: true, maxRetries: 3 });
});

async function startAlertmanager(): Promise<string> {
  return (await runAlertmanager(children, join(root, 'alerts', 'alertmanager.yml'), storage)).url;
}

const alerts: Record<string, Record<string, string>> = {
  pageBurn: { alertname: 'HmacAuthErrorBudgetBurn', severity: 'critical', job: 'api', slo: 'auth-success', long_window: '1h', short_window: '5m' },
  ticketBurnSameSlo: { alertname: 'HmacAuthErrorBudgetBurn', severity: 'warning', job: 'api', slo: 'auth-success', long_window: '1d', short_window: '2h' },
  ticketBurnOtherSlo: { alertname: 'HmacAuthErrorBudgetBurn', severity: 'warning', job: 'api', slo: 'kms-success', long_window: '1d', short_window: '2h' },
  ticketBurnOtherJob: { alertname: 'HmacAuthErrorBudgetBurn', severity: 'warning', job: 'web', slo: 'auth-success', long_window: '1d', short_window: '2h' },
  rotation: { alertname: 'HmacAuthKeyRotationInProgress', severity: 'info', job: 'api', hmac_key_id: 'k0' },
  mismatchTicket: { alertname: 'HmacAuthSignatureMismatchSpike', severity: 'warning', job: 'api' },
  forgedTicket: { alertname: 'HmacAuthForgedAttemptsFlood', severity: 'warning', category: 'security', job: 'api' },
  mismatchTicketOtherJob: { alertname: 'HmacAuthSignatureMismatchSpike', severity: 'warning', job: 'web' },
  kmsTicket: { alertname: 'HmacAuthKmsLatencyHigh', severity: 'warning', job: 'api' },
  revokedPage: { alertname: 'HmacAuthRevokedKeyPresented', severity: 'critical', team: 'security', category: 'security', job: 'api', hmac_key_id: 'k-old' },
};

function find(list: ApiAlert[], labels: Record<string, string>): ApiAlert | undefined {
  return list.find((a) => Object.keys(labels).length === Object.keys(a.labels).length && Object.entries(labels).every(([k, v]) => a.labels[k] === v));
}

test('a page inhibits the matching ticket, and a key rotation inhibits the mismatch and unknown-key tickets of its job', async () => {
  const base = await startAlertmanager();
  const now = new Date();
  const body = Object.values(alerts).map((labels) => ({
    labels,
    annotations: { summary: 'test' },
    startsAt: now.toISOString(),
    endsAt: new Date(now.getTime() + 10 * 60_000).toISOString(),
  }));
  const post = await fetch(`${base}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(post.status, 200, await post.text());

  const expectedInhibitor: Record<string, string | null> = {
    pageBurn: null,
    ticketBurnSameSlo: 'pageBurn',
    ticketBurnOtherSlo: null,
    ticketBurnOtherJob: null,
    rotation: null,
    mismatchTicket: 'rotation',
    forgedTicket: 'rotation',
    mismatchTicketOtherJob: null,
    kmsTicket: null,
    revokedPage: null,
  };

  // The inhibitor learns about source alerts asynchronously: poll (bounded) until the picture settles.
  let list: ApiAlert[] = [];
  let mismatch = '';
  const deadline = Date.now() + 15_000;
  for (;;) {
    list = (await (await fetch(`${base}/api/v2/alerts`)).json()) as ApiAlert[];
    mismatch = '';
    for (const [key, source] of Object.entries(expectedInhibitor)) {
      const a = find(list, alerts[key]!);
      const want = source ? [find(list, alerts[source]!)?.fingerprint] : [];
      if (!a || JSON.stringify(a.status.inhibitedBy ?? []) !== JSON.stringify(want)) mismatch += `${key} `;
    }
    if (!mismatch || Date.now() > deadline) break;
    await sleep(100);
  }
  assert.equal(mismatch, '', `unexpected inhibition state for: ${mismatch}\n${JSON.stringify(list, null, 1)}`);
  for (const [key, source] of Object.entries(expectedInhibitor)) {
    assert.equal(find(list, alerts[key]!)!.status.state, source ? 'suppressed' : 'active', key);
  }
});
