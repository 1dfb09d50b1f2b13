/**
 * Raw client IDs never reach /metrics (issue 9 review): the contract's span-only attributes
 * (`hmac.client.id`, `hmac.error.class`) set on a metric point by a pusher are removed before
 * aggregation — the point itself counts — and each removal is counted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectorPerFile, parseExposition, seriesKey } from '../support/collector.js';

const collector = collectorPerFile();
const str = (key: string, v: string) => ({ key, value: { stringValue: v } });

test('hmac.client.id and hmac.error.class on a metric point are stripped and counted; the point counts', async () => {
  const c = collector();
  const body = JSON.stringify({
    resourceMetrics: [
      {
        resource: { attributes: [str('service.name', 'payments')] },
        scopeMetrics: [
          {
            metrics: [
              {
                name: 'hmac.auth.verifications',
                unit: '{verification}',
                sum: {
                  aggregationTemporality: 1,
                  isMonotonic: true,
                  dataPoints: [
                    { attributes: [str('hmac.outcome', 'rejected'), str('hmac.key_id', 'k1'), str('hmac.client.id', 'customer-secret-42'), str('hmac.error.class', 'TypeError')], timeUnixNano: '2', asDouble: 3 },
                    { attributes: [str('hmac.outcome', 'rejected'), str('hmac.key_id', 'k1'), str('hmac.client.id', 'customer-secret-43')], timeUnixNano: '2', asDouble: 4 },
                  ],
                },
              },
            ],
          },
        ],
      },
    ],
  });
  const res = await fetch(`${c.url}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  assert.equal(res.status, 200, await res.text());
  const text = await (await fetch(`${c.url}/metrics`)).text();
  assert.doesNotMatch(text, /customer-secret|hmac_client_id|hmac_error_class|TypeError/);
  const exp = parseExposition(text);
  const series = [...exp].filter(([k]) => k.startsWith('hmac_auth_verifications_total{'));
  assert.equal(series.length, 1, series.map(([k]) => k).join('\n'));
  assert.equal(series[0]![1], 7, 'both points count, in one series');
  assert.equal(exp.get(seriesKey('hmac_slo_collector_stripped_attributes_total', { attribute: 'hmac.client.id' })), 2);
  assert.equal(exp.get(seriesKey('hmac_slo_collector_stripped_attributes_total', { attribute: 'hmac.error.class' })), 1);
});

test('a failure cause outside the closed set becomes other on /metrics, counted: a pusher cannot mint label values', async () => {
  const c = collector();
  const point = (cause: string, value: number) => ({
    attributes: [str('hmac.scheme', 'stripe'), str('hmac.key_id', 'k1'), str('error.type', 'signature_mismatch'), str('hmac.failure.cause', cause)],
    timeUnixNano: '2',
    asDouble: value,
  });
  const body = JSON.stringify({
    resourceMetrics: [
      {
        resource: { attributes: [str('service.name', 'hooks')] },
        scopeMetrics: [
          {
            metrics: [
              {
                name: 'hmac.auth.failure.causes',
                unit: '{verification}',
                sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [point('body_reserialized', 2), point('<script>evil</script>', 3), point('__proto__', 4)] },
              },
            ],
          },
        ],
      },
    ],
  });
  const res = await fetch(`${c.url}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  assert.equal(res.status, 200, await res.text());
  const text = await (await fetch(`${c.url}/metrics`)).text();
  assert.doesNotMatch(text, /evil|__proto__/);
  const exp = parseExposition(text);
  const causes = new Map([...exp].filter(([k]) => k.startsWith('hmac_auth_failure_causes_total{')).map(([k, v]) => [/hmac_failure_cause=([^,}]*)/.exec(k)![1], v]));
  assert.deepEqual(Object.fromEntries(causes), { body_reserialized: 2, other: 7 });
  assert.equal(exp.get(seriesKey('hmac_slo_collector_unrecognized_attribute_values_total', { attribute: 'hmac.failure.cause' })), 2);
});
