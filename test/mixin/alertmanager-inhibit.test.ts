/**
 * The inhibitions in alerts/alertmanager.yml, proven on a real Alertmanager (amtool cannot test
 * inhibition): started on 127.0.0.1 with the example config, fed alerts through its v2 API, and asked
 * which alerts it suppresses and by which source.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const root = join(import.meta.dirname, '..', '..');

interface ApiAlert {
  labels: Record<string, string>;
  fingerprint: string;
  status: { state: string; inhibitedBy: string[]; silencedBy: string[] };
}

let proc: ChildProcess | undefined;
const storage = mkdtempSync(join(tmpdir(), 'hmac-slo-am-'));
after(async () => {
  // Wait for the exit before removing its storage: Alertmanager writes its state on shutdown.
  if (proc && proc.exitCode === null) {
    const exited = new Promise((resolve) => proc!.once('exit', resolve));
    proc.kill('SIGTERM');
    // Never leave it running (it would keep this test process alive): SIGKILL after a grace period.
    const timer = setTimeout(() => proc!.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
  rmSync(storage, { recursive: true, force: true, maxRetries: 3 });
});

async function startAlertmanager(): Promise<string> {
  let log = '';
  // Port 0: the OS picks and Alertmanager logs what it bound (`msg="Listening on" address=…`). A
  // port probed free beforehand could be taken by another process before Alertmanager binds it.
  proc = spawn('prometheus-alertmanager', [
    `--config.file=${join(root, 'alerts', 'alertmanager.yml')}`,
    `--storage.path=${storage}`,
    '--web.listen-address=127.0.0.1:0',
    '--cluster.listen-address=',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  proc.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  // A deadline, not a count of tries: on a loaded machine each try can take much longer than 100 ms.
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`alertmanager exited: ${log}`);
    const address = /msg="Listening on" address=(127\.0\.0\.1:[1-9][0-9]*)/.exec(log)?.[1];
    try {
      if (address && (await fetch(`http://${address}/-/ready`)).ok) return `http://${address}`;
    } catch {
      /* not answering yet */
    }
    await sleep(100);
  }
  throw new Error(`alertmanager not ready after 30 s: ${log}`);
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
