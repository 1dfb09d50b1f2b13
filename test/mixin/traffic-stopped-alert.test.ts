/**
 * HmacAuthVerificationTrafficStopped reads its settings from the one config: window, lookback and
 * `for` divided by timeScale, the rate floor and ratio as configured (a per-second rate is not
 * scaled), the global selector on every raw selector, the alert prefix. Its behaviour over series is
 * in alerts/tests/traffic-stopped.yaml (promtool).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/index.js';
import { renderMixin } from '../../src/generate/render.js';

const root = join(import.meta.dirname, '..', '..');

test('timeScale, selector, prefix and the trafficStopped settings shape the alert', () => {
  const config = parseConfig({
    timeScale: 60,
    selector: 'namespace="payments"',
    alerting: {
      alertPrefix: 'Pay',
      failureModes: { trafficStoppedMinRate: 2, trafficStoppedRatio: 0.25, trafficStoppedLookback: '2h', window: '10m', for: '15m' },
    },
  }, '<test>');
  const alerts = renderMixin(config, root).alerts.groups.flatMap((g) => g.rules);
  const rule = alerts.find((r) => r.alert === 'PayVerificationTrafficStopped');
  assert.ok(rule, 'the alert is named with the prefix');
  assert.equal(rule.for, '15s'); // 15m / 60
  assert.equal(rule.labels?.severity, 'warning');
  const selectors = [...rule.expr.matchAll(/hmac_auth_verifications_total(\{[^}]*\})?/g)];
  assert.equal(selectors.length, 5);
  for (const s of selectors) assert.equal(s[1], '{namespace="payments"}', rule.expr);
  assert.match(rule.expr, /\[2m\] offset 10s\)/); // 2h / 60 before 10m / 60
  assert.match(rule.expr, /\[10s\]\)\)\n< 0\.25 \* /);
  assert.match(rule.expr, />= 2$/);
  // Prose keeps the configured (unscaled) durations.
  assert.match(rule.annotations?.description ?? "", /over the last 10m, below 25% of its rate over the 2h before \(at least 2\/s\)/);
});
