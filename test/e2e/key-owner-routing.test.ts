/**
 * Key owners end to end (issue 12 §5): a key ring entry's `owner` → `observeKeyRing` on a real SDK
 * → the collector (`hmac_key_info{hmac_key_owner}` on /metrics, `owner` in /api/keys, which the
 * status page's key table shows) → Prometheus with the generated rules (`HmacAuthKeyTooOld` carries
 * `hmac_key_owner`) → the stack's Alertmanager, which routes it to the owning team's receiver as
 * well as to the ticket queue. A key without an owner reaches the ticket queue only.
 * `maxKeyAge: 1d` against keys two days old; `for` 5m → 5 s with timeScale 60.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { parseExposition, seriesKey } from '../support/collector.js';
import { startAlertmanager, WebhookReceiver } from '../support/alertmanager.js';
import { waitFor } from '../support/processes.js';
import { Prometheus } from '../support/prometheus.js';
import type { KeysApiResponse } from '../../src/collector/model.js';
import { rulesAndCollector } from './rules-and-collector.js';

const SPEED = 60;
const stack = rulesAndCollector('key-owner-routing');
let webhook: WebhookReceiver | undefined;
after(async () => {
  await webhook?.close();
});

test('a key\'s owner flows from the key ring to /metrics, /api/keys, the alert and the owning team\'s receiver', async () => {
  webhook = await WebhookReceiver.start();
  const [am, { children, collector, ruleFiles }] = await Promise.all([
    startAlertmanager(stack.children, stack.dir, webhook.url),
    stack.start(`timeScale: ${SPEED}\nalerting:\n  failureModes:\n    maxKeyAge: 1d\n`, SPEED),
  ]);
  children.spawn('key-ring', process.execPath, ['--conditions=source', '--import', 'tsx', 'test/e2e/key-ring-pusher.ts', collector.url, '90'], { env: { OTEL_SERVICE_NAME: 'payments-api' } });
  const info = await waitFor('hmac_key_info on /metrics', async () => {
    const m = parseExposition(await (await fetch(`${collector.url}/metrics`)).text());
    return m.has(seriesKey('hmac_key_info', { job: 'payments-api', hmac_key_id: 'web-1', hmac_key_status: 'active' })) ? m : undefined;
  }, 30_000, 250);
  assert.equal(info.get(seriesKey('hmac_key_info', { job: 'payments-api', hmac_key_id: 'pay-1', hmac_key_status: 'active', hmac_key_owner: 'payments-team' })), 1);
  const keys = (await (await fetch(`${collector.url}/api/keys`)).json()) as KeysApiResponse;
  assert.deepEqual(keys.keys.map((k) => [k.keyId, k.owner]).sort(), [['pay-1', 'payments-team'], ['web-1', undefined]]);

  await Prometheus.start(children, { collectors: [new URL(collector.url).host], alertmanager: am.hostPort, ruleFiles, interval: '1s', dir: stack.dir });
  const tooOld = (receiver: string, key: string) => webhook!.firing().find((a) => a.receiver === receiver && a.labels.alertname === 'HmacAuthKeyTooOld' && a.labels.hmac_key_id === key);
  await waitFor('HmacAuthKeyTooOld for pay-1 at the payments team and the ticket queue, web-1 at the ticket queue', () => tooOld('team-payments', 'pay-1') && tooOld('ticket', 'pay-1') && tooOld('ticket', 'web-1'), 90_000, 500);
  assert.equal(tooOld('team-payments', 'pay-1')!.labels.hmac_key_owner, 'payments-team');
  assert.equal(tooOld('ticket', 'web-1')!.labels.hmac_key_owner, undefined);
  assert.ok(!webhook.firing().some((a) => a.receiver.startsWith('team-') && a.labels.hmac_key_id === 'web-1'), 'a key without an owner reaches no team');
});
