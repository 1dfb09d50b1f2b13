/**
 * Each series has one producer (issue 10): the recording rules own the SLO series and the collector
 * exports raw aggregated telemetry and its own health metrics only. A real collector, fed by a real
 * OTel SDK pusher, is scraped after its SLO engine sampled the pushes; no family it exposes is a name
 * the generated rules record. And since nothing is produced twice, no dashboard or alert reads an SLO
 * series through a de-duplicating aggregation (`max by`, `min by`, `avg by`, ...).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parser } from '@prometheus-io/lezer-promql';
import type { SyntaxNode } from '@lezer/common';
import { ATTR, SLO_SERIES } from '@hmac-slo/instrumentation/contract';
import { afterNextSample, collectorPerFile } from '../support/collector.js';
import { Pusher } from './otel-pushers.js';

const root = join(import.meta.dirname, '..', '..');
const generated = join(root, 'alerts', 'generated');

interface RuleFile { groups: { rules: { record?: string; alert?: string; expr: string }[] }[] }
const ruleFile = (name: string) => parse(readFileSync(join(generated, name), 'utf8')) as RuleFile;
const recorded = new Set(ruleFile('rules.yaml').groups.flatMap((g) => g.rules.flatMap((r) => (r.record ? [r.record] : []))));

const collectorOf = collectorPerFile();

/** Family names of an exposition: `# TYPE` lines and every sample's metric name. */
function familyNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) /.exec(line);
    if (type) names.add(type[1]!);
    else if (line && !line.startsWith('#')) names.add(/^[^{ ]+/.exec(line)![0]);
  }
  return names;
}

test("no family on the collector's /metrics is a name the recording rules record", async () => {
  const collector = collectorOf();
  const p = new Pusher({ url: collector.url, serviceName: 'payments', protocol: 'protobuf', temporality: 'cumulative', instance: 'p1' });
  p.verifications.add(20, { [ATTR.scheme]: 'ref', [ATTR.keyId]: 'k1', [ATTR.outcome]: 'accepted' });
  p.verifications.add(2, { [ATTR.scheme]: 'ref', [ATTR.keyId]: 'k1', [ATTR.outcome]: 'rejected', [ATTR.errorType]: 'signature_mismatch' });
  p.duration.record(0.004, { [ATTR.scheme]: 'ref', [ATTR.keyId]: 'k1', [ATTR.outcome]: 'accepted' });
  await p.flush();
  await afterNextSample(collector.url);
  // The engine did compute the SLOs: they are served through /api/slo…
  const api = (await (await fetch(`${collector.url}/api/slo`)).json()) as { slos: { job: string }[] };
  assert.ok(api.slos.some((s) => s.job === 'payments'), JSON.stringify(api));
  // …and not as series.
  const names = familyNames(await (await fetch(`${collector.url}/metrics`)).text());
  assert.ok(names.has('hmac_auth_verifications_total'), [...names].join(' '));
  for (const s of Object.values(SLO_SERIES)) assert.ok(recorded.has(s), `the rules do not record ${s}`);
  assert.deepEqual([...names].filter((n) => recorded.has(n)), []);
  // Nor under the names the collector used before issue 10.
  assert.deepEqual([...names].filter((n) => n.startsWith('hmac_slo_') && !n.startsWith('hmac_slo_collector_')), []);
  await p.shutdown();
});

// Aggregations that would collapse copies of one series; `sum without (window)` (the burn-rate alerts
// matching a long and a short window on job and slo) adds, so a duplicate would show, not hide.
const DEDUP = /^(max|min|avg|group|topk|bottomk|quantile)\b/i;

function dedupedSloSelectors(expr: string): string[] {
  const text = expr.replace(/\$\{?__rate_interval\}?/g, '1m');
  const found: string[] = [];
  const cur = parser.parse(text).cursor();
  do {
    if (cur.name !== 'VectorSelector') continue;
    const sel = text.slice(cur.from, cur.to);
    if (!Object.values(SLO_SERIES).some((s) => sel === s || sel.startsWith(`${s}{`))) continue;
    for (let n: SyntaxNode | null = cur.node.parent; n; n = n.parent) {
      if (n.name === 'AggregateExpr' && DEDUP.test(text.slice(n.from, n.to))) found.push(text.slice(n.from, n.to));
    }
  } while (cur.next());
  return found;
}

test('no dashboard or alert reads an SLO series through a de-duplicating aggregation', () => {
  const exprs: string[] = ruleFile('alerts.yaml').groups.flatMap((g) => g.rules.map((r) => r.expr));
  const dashboards = join(root, 'dashboards', 'generated');
  for (const f of readdirSync(dashboards).filter((x) => x.endsWith('.json'))) {
    const board = JSON.parse(readFileSync(join(dashboards, f), 'utf8')) as { panels: { targets?: { expr: string }[] }[] };
    for (const p of board.panels) for (const t of p.targets ?? []) exprs.push(t.expr);
  }
  const reading = exprs.filter((e) => Object.values(SLO_SERIES).some((s) => e.includes(s)));
  assert.ok(reading.length >= 8, String(reading.length));
  assert.deepEqual(exprs.flatMap(dedupedSloSelectors), []);
});
