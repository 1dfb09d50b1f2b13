/**
 * The canary alert from resource attributes, end to end (issue 12 §3): two real OTel SDK processes
 * of one service, configured by `OTEL_RESOURCE_ATTRIBUTES` alone — a canary
 * (`deployment.track=canary`, failing 10 %) and a stable one (no track, failing 0.1 %) — push to a
 * real collector with its default `collector.resourceLabels`; a real Prometheus scrapes it and
 * evaluates the rules `hmac-slo generate` renders. `HmacAuthCanaryFailuresElevated` fires for the
 * job. Time is compressed with `timeScale` (rate window and `for` 5m → 5 s).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../support/processes.js';
import { Prometheus } from '../support/prometheus.js';
import { rulesAndCollector } from './rules-and-collector.js';

const SPEED = 60;
const stack = rulesAndCollector('canary-resource-labels');

test('HmacAuthCanaryFailuresElevated fires from OTEL_RESOURCE_ATTRIBUTES=deployment.track=canary through collector and Prometheus', async () => {
  const { children, collector, ruleFiles } = await stack.start(`timeScale: ${SPEED}\n`, SPEED);
  const pusher = (name: string, attributes: string, accepted: number, rejected: number) =>
    children.spawn(name, process.execPath, ['--conditions=source', '--import', 'tsx', 'test/collector/env-resource-pusher.ts', collector.url, String(accepted), String(rejected), '90'], {
      env: { OTEL_SERVICE_NAME: 'payments', OTEL_RESOURCE_ATTRIBUTES: attributes },
    });
  pusher('canary', 'deployment.environment.name=prod,service.version=1.9.0-rc.1,deployment.track=canary', 9, 1);
  pusher('stable', 'deployment.environment.name=prod,service.version=1.8.2', 999, 1);

  const prometheus = await Prometheus.start(children, {
    collectors: [new URL(collector.url).host],
    alertmanager: '127.0.0.1:9', // the alert is read from Prometheus's ALERTS series
    ruleFiles,
    interval: '1s',
    dir: stack.dir,
  });
  const firing = await waitFor('the canary alert firing', async () => {
    const alerts = await prometheus.query('ALERTS{alertname="HmacAuthCanaryFailuresElevated",alertstate="firing"}');
    return alerts.length > 0 ? alerts : undefined;
  }, 60_000, 500);
  assert.deepEqual(firing.map((a) => a.metric.job), ['payments']);
  // The labels came from the resource: the canary's series carry its track, version and environment.
  const canary = await prometheus.query('sum by (deployment_track, service_version, deployment_environment_name) (hmac_auth_verifications_total{job="payments",deployment_track="canary"})');
  assert.deepEqual(canary.map((s) => s.metric), [{ deployment_track: 'canary', service_version: '1.9.0-rc.1', deployment_environment_name: 'prod' }]);
  assert.deepEqual(await prometheus.ruleProblems(), []);
});
