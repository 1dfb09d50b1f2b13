/**
 * A real Prometheus (the stack's scrape config, test/e2e/prometheus.ts) scraping a real collector
 * that received attribute keys colliding once sanitized (issue 9, finding 2): duplicate label
 * names made Prometheus refuse the whole scrape (`up` 0), so every job's SLO series vanished. The
 * target must stay up and the colliding series must arrive with one label per name.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Children, OUTPUT_DIR, waitFor } from '../support/processes.js';
import { Prometheus } from '../support/prometheus.js';
import { startCollector, tempDir, type CollectorProcess } from '../support/collector.js';
import { histogramMetric, metricsRequest, numberMetric, pushMetrics } from './otlp-raw.js';

const children = new Children(join(OUTPUT_DIR, 'colliding-labels'));
const tmp = tempDir();
let collector: CollectorProcess | undefined;
after(async () => {
  await children.killAll();
  await collector?.stop();
  tmp.cleanup();
});

test('Prometheus keeps the collector up (up == 1) after a push with colliding attribute keys', async () => {
  collector = await startCollector({ dir: tmp.dir });
  const colliding = { 'a.b': '1', a_b: '2', job: 'j', exported_job: 'e', 'ü': 'u', 'ö': 'o', le: 'l' };
  const request = metricsRequest({ 'service.name': 'collide', 'service.instance.id': 'i1' }, [
    numberMetric('hmac.custom.requests', { value: 5, monotonic: true, attrs: colliding }),
    histogramMetric('hmac.custom.wait', { unit: 's', bounds: [1], counts: [1, 1], sum: 2, attrs: colliding }),
    // Awkward text in HELP and label values (Prometheus asks for OpenMetrics, then reads it).
    numberMetric('hmac.custom.text', { value: 1, description: 'say "hi"\r\n\\ \ud800', attrs: { v: 'q"b\\n\r\n\ud800' } }),
  ]);
  for (const encoding of ['json', 'protobuf'] as const) assert.equal((await pushMetrics(collector.url, request, encoding)).status, 200);

  const prometheus = await Prometheus.start(children, {
    collectors: [new URL(collector.url).host],
    alertmanager: '127.0.0.1:9', // no alerts are evaluated: no rule files
    ruleFiles: [],
    interval: '1s',
    dir: tmp.dir,
  });
  // Three scrapes after the first: the target is judged on each.
  const first = await waitFor('a first scrape', async () => (await prometheus.targets()).find((t) => t.health !== 'unknown'), 20_000);
  assert.equal(first.health, 'up', first.lastError);
  await new Promise((r) => setTimeout(r, 3000));
  const [target] = await prometheus.targets();
  assert.equal(target!.health, 'up', target!.lastError);
  const up = await prometheus.query('up');
  assert.deepEqual(up.map((s) => s.value), [1]);
  const series = await prometheus.query('hmac_custom_requests_total{job="collide"}');
  assert.equal(series.length, 1);
  assert.deepEqual(series[0]!.metric, { __name__: 'hmac_custom_requests_total', job: 'collide', instance: new URL(collector.url).host, _: 'o;u', a_b: '1;2', exported_job: 'e;j', exported_le: 'l' });
  assert.equal(series[0]!.value, 10);
  assert.equal((await prometheus.query('hmac_custom_wait_seconds_count{job="collide"}'))[0]?.value, 4);
  const text = await prometheus.query('hmac_custom_text');
  assert.equal(text[0]?.metric.v, 'q"b\\n\r\n\ufffd');
});
