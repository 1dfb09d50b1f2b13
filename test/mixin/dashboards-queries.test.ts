/**
 * test/mixin/dashboard-queries.ts, the export the end-to-end test runs every panel through: the
 * substitution yields plain PromQL (no variable left), the All regexes and intervals land where
 * Grafana would put them, and every query is accepted by a real Prometheus (its Go parser and type
 * checker, which are stricter than a grammar: argument types, aggregation parameters).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dashboardQueries, substituteVariables } from './dashboard-queries.js';
import { Children } from '../support/processes.js';
import { Prometheus } from '../support/prometheus.js';

test('every target is returned once with its dashboard, panel and runnable PromQL', () => {
  const qs = dashboardQueries({ rateInterval: '2m' });
  assert.deepEqual([...new Set(qs.map((q) => q.uid))].sort(), ['hmac-slo-debug', 'hmac-slo-executive', 'hmac-slo-oncall']);
  assert.ok(qs.length >= 40);
  for (const q of qs) {
    assert.ok(q.panelTitle && q.refId && q.expr, JSON.stringify(q));
    assert.doesNotMatch(q.promql, /\$/, `${q.uid} / ${q.panelTitle}: ${q.promql}`);
    if (q.expr.includes('$__rate_interval')) assert.match(q.promql, /\[2m\]/);
    if (q.expr.includes('job=~"$job"')) assert.match(q.promql, /job=~"\.\+"/);
    if (q.expr.includes('"$key_id"')) assert.match(q.promql, /hmac_key_id=~"\.\*"/);
  }
  // Table panels run instant queries; the rest range queries.
  assert.ok(qs.filter((q) => q.panelType === 'table').every((q) => q.instant));
  assert.ok(qs.filter((q) => q.panelType === 'timeseries').every((q) => !q.instant));
  // Only the documented cases may be empty on a healthy system.
  assert.deepEqual([...new Set(qs.filter((q) => q.mayBeEmpty).map((q) => q.panelTitle))].sort(), ['Canary vs stable failure ratio', 'Firing alerts']);
});

test('substitution: braces and formats, builtins, overrides, and unknown variables refused', () => {
  const templating = [
    { name: 'job', type: 'query', includeAll: true, allValue: '.+' },
    { name: 'collector_url', type: 'textbox', query: 'http://c:9464' },
  ];
  assert.equal(substituteVariables('x{job=~"$job"}[$__rate_interval]', templating), 'x{job=~".+"}[1m]');
  assert.equal(substituteVariables('x{job=~"${job:regex}"}[${__range}]', templating, { range: '6h' }), 'x{job=~".+"}[6h]');
  assert.equal(substituteVariables('$__range_s $__range_ms', templating, { range: '2m' }), '120 120000');
  assert.equal(substituteVariables('x{job=~"$job"}', templating, { variables: { job: 'payments|billing' } }), 'x{job=~"payments|billing"}');
  assert.equal(substituteVariables('${collector_url}/', templating), 'http://c:9464/');
  assert.throws(() => substituteVariables('x{a="$nope"}', templating), /unknown template variable \$nope/);
});

test('a real Prometheus accepts every substituted query', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hmac-slo-dash-prom-'));
  const children = new Children(join(dir, 'logs'));
  try {
    const { url } = await Prometheus.run(children, dir, { global: { scrape_interval: '15s' } });
    const end = Math.floor(Date.now() / 1000);
    for (const q of dashboardQueries({ rateInterval: '1m' })) {
      const params: Record<string, string> = q.instant
        ? { query: q.promql, time: String(end) }
        : { query: q.promql, start: String(end - 3600), end: String(end), step: '60' };
      const res = await fetch(`${url}/api/v1/${q.instant ? 'query' : 'query_range'}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(params).toString(),
      });
      const body = (await res.json()) as { status: string; error?: string };
      assert.equal(body.status, 'success', `${q.uid} / ${q.panelTitle} / ${q.refId}: ${body.error}\n${q.promql}`);
    }
  } finally {
    await children.killAll();
    rmSync(dir, { recursive: true, force: true });
  }
});
