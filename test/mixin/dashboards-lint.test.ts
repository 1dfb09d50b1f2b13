/**
 * Lint of the generated Grafana dashboards: the rules of grafana/dashboard-linter, by name, written
 * here over the real PromQL parser (@prometheus-io/lezer-promql, the one Prometheus's own UI uses),
 * some of them stricter than the linter (noted per rule). Exceptions are listed in EXCEPTIONS, each
 * with its reason; an exception that no longer matches anything fails too, so none goes stale.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parser } from '@prometheus-io/lezer-promql';
import type { SyntaxNode } from '@lezer/common';
import { INSTRUMENTS, SLO_SERIES, ATTR, promLabel } from '@hmac-slo/instrumentation/contract';
import { SelfMetrics } from '../../src/collector/self-metrics.js';
import { parseConfig } from '../../src/config/index.js';
import type { DashboardPanel as Panel, DashboardTarget as Target, GrafanaDashboard as Board } from '../../src/generate/mixin-model.js';
import { loadDashboards } from './dashboard-queries.js';

// The linter's stand-in for $__rate_interval: a duration nobody writes by hand, so a range equal to
// it can only come from the variable.
const MAGIC_RATE_INTERVAL = '8869990787ms';

const boards = loadDashboards();
const all = [...boards.values()];
const cfg = parseConfig({}, '<defaults>');
const fm = cfg.alerting.failureModes;

/** Every exception to a rule, with why it is right for these dashboards. */
const EXCEPTIONS: Record<string, { match: (panel: Panel, selector: string) => boolean; reason: string }[]> = {
  'panel-units-rule': [{
    match: (p) => p.type === 'text',
    reason: 'text panels show markdown links to the collector status page: no data, so no unit',
  }],
  'panel-no-targets-rule': [{
    match: (p) => p.type === 'text',
    reason: 'text panels have no query by nature (the collector link panel)',
  }],
  'target-job-rule': [
    {
      match: (_p, s) => s.startsWith(SLO_SERIES.objective),
      reason: 'slo:hmac_slo_objective:ratio is a property of the SLO and carries only `slo` (docs/metrics.md), no job',
    },
    {
      match: (_p, s) => s.startsWith('hmac_slo_collector_failed_spans_total'),
      reason: 'a collector-wide counter without a job of its own: on a scrape it carries the collector\'s scrape job, never a service\'s',
    },
    {
      match: (_p, s) => s.startsWith('hmac_slo_collector_key_'),
      reason: 'time to revoke is per key across jobs (a revocation spans services): no service job to select',
    },
  ],
};
const used = new Set<string>();
function excepted(rule: string, panel: Panel, selector = ''): boolean {
  const list = EXCEPTIONS[rule] ?? [];
  const i = list.findIndex((e) => e.match(panel, selector));
  if (i >= 0) used.add(`${rule}#${i}`);
  return i >= 0;
}

function* panels(): Generator<{ d: Board; p: Panel }> {
  for (const d of all) for (const p of d.panels) yield { d, p };
}
function* targets(): Generator<{ d: Board; p: Panel; t: Target }> {
  for (const { d, p } of panels()) for (const t of p.targets ?? []) yield { d, p, t };
}
const where = (d: Board, p: Panel, t?: Target) => `${d.uid} / ${p.title ?? `#${p.id}`}${t ? ` / ${t.refId}` : ''}`;

/** What the linter parses: only `$__…` durations are replaced; `$job` inside strings stays. */
function lintable(expr: string): string {
  return expr.replace(/\$\{?__rate_interval\}?/g, MAGIC_RATE_INTERVAL);
}

interface Parsed { text: string; root: SyntaxNode }
function parse(expr: string): Parsed {
  const text = lintable(expr);
  return { text, root: parser.parse(text).topNode };
}
function nodes(root: SyntaxNode, name: string): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const cur = root.cursor();
  do if (cur.name === name) out.push(cur.node);
  while (cur.next());
  return out;
}
const src = (p: Parsed, n: SyntaxNode) => p.text.slice(n.from, n.to);

interface Matcher { label: string; op: string; value: string }
function selectorOf(p: Parsed, vs: SyntaxNode): { name: string; matchers: Matcher[]; text: string } {
  const id = vs.getChild('Identifier');
  const matchers = nodes(vs, 'UnquotedLabelMatcher').map((m) => ({
    label: src(p, m.getChild('LabelName')!),
    op: src(p, m.getChild('MatchOp')!),
    value: JSON.parse(src(p, m.getChild('StringLiteral')!)) as string,
  }));
  const nameMatcher = matchers.find((m) => m.label === '__name__');
  return { name: id ? src(p, id) : nameMatcher?.value ?? '', matchers, text: src(p, vs) };
}

// --- the linter's rules --------------------------------------------------------------------

test('template-datasource-rule: one templated Prometheus datasource, named and labelled as the linter wants', () => {
  for (const d of all) {
    const ds = d.templating.list.filter((v) => v.type === 'datasource');
    assert.equal(ds.length, 1, d.uid);
    assert.equal(ds[0]!.name, 'datasource', d.uid);
    assert.equal((ds[0] as unknown as { label: string }).label, 'Data source', d.uid);
    assert.equal(ds[0]!.query, 'prometheus', d.uid);
  }
});

test('panel-datasource-rule: every panel and target queries ${datasource}', () => {
  for (const { d, p } of panels()) {
    if (p.type === 'text') continue;
    assert.deepEqual(p.datasource, { type: 'prometheus', uid: '${datasource}' }, where(d, p));
    for (const t of p.targets ?? []) assert.deepEqual(t.datasource, { type: 'prometheus', uid: '${datasource}' }, where(d, p, t));
  }
});

test('panel-title-description-rule: every panel (of any type) has a title and a description', () => {
  for (const { d, p } of panels()) {
    assert.ok((p.title ?? '').trim().length > 3, `${where(d, p)}: title`);
    assert.ok((p.description ?? '').trim().length > 20, `${where(d, p)}: description`);
  }
});

// Grafana unit ids (packages/grafana-data valueFormats); the subset a dashboard of rates, ratios
// and durations can use.
const VALID_UNITS = new Set(['none', 'short', 'percent', 'percentunit', 'ns', 'µs', 'ms', 's', 'm', 'h', 'd', 'dtdurations', 'reqps', 'rps', 'ops', 'cps', 'wps', 'iops', 'bytes', 'decbytes', 'bool', 'dateTimeAsIso']);
test('panel-units-rule: every panel (of any type) has a valid unit, overrides too', () => {
  for (const { d, p } of panels()) {
    if (excepted('panel-units-rule', p)) continue;
    const unit = p.fieldConfig?.defaults?.unit;
    assert.ok(unit !== undefined && VALID_UNITS.has(unit), `${where(d, p)}: unit ${unit}`);
    for (const o of p.fieldConfig?.overrides ?? []) {
      for (const prop of o.properties) if (prop.id === 'unit') assert.ok(VALID_UNITS.has(String(prop.value)), `${where(d, p)}: override unit ${String(prop.value)}`);
    }
  }
});

test('panel-no-targets-rule: every panel (of any type) has at least one non-empty query', () => {
  for (const { d, p } of panels()) {
    if (excepted('panel-no-targets-rule', p)) continue;
    assert.ok((p.targets ?? []).length > 0, where(d, p));
    for (const t of p.targets!) assert.ok(t.expr.trim() !== '', where(d, p, t));
    const refIds = p.targets!.map((t) => t.refId);
    assert.equal(new Set(refIds).size, refIds.length, `${where(d, p)}: refIds unique`);
  }
});

test('target-promql-rule: every expression parses with the PromQL parser, without error nodes', () => {
  let n = 0;
  for (const { d, p, t } of targets()) {
    const parsed = parse(t.expr);
    const errors = nodes(parsed.root, '⚠');
    assert.deepEqual(errors.map((e) => `${e.from}: ${parsed.text.slice(Math.max(0, e.from - 20), e.to + 20)}`), [], `${where(d, p, t)}: ${t.expr}`);
    n++;
  }
  // The template variable queries parse too (label_values(<selector>, <label>): the selector part).
  for (const d of all) {
    for (const v of d.templating.list.filter((x) => x.type === 'query')) {
      const m = /^label_values\((.*), (\w+)\)$/s.exec(String(v.query));
      assert.ok(m, `${d.uid} $${v.name}: ${String(v.query)}`);
      assert.equal(nodes(parse(m[1]!).root, '⚠').length, 0, `${d.uid} $${v.name}`);
    }
  }
  assert.ok(n >= 40, `expected many queries, got ${n}`);
});

test('target-rate-interval-rule (stricter): every range is [$__rate_interval], and only under rate/irate/increase', () => {
  for (const { d, p, t } of targets()) {
    const parsed = parse(t.expr);
    for (const ms of nodes(parsed.root, 'MatrixSelector')) {
      assert.equal(src(parsed, ms.getChild('DurationExpr')!), MAGIC_RATE_INTERVAL, `${where(d, p, t)}: ${src(parsed, ms)}`);
      const call = ms.parent?.parent; // MatrixSelector → FunctionCallBody → FunctionCall
      assert.equal(call?.name, 'FunctionCall', `${where(d, p, t)}: a range outside a function`);
      assert.ok(['rate', 'irate', 'increase'].includes(src(parsed, call!.getChild('FunctionIdentifier')!)), `${where(d, p, t)}: ${src(parsed, call!)}`);
    }
    assert.equal(nodes(parsed.root, 'SubqueryExpr').length, 0, `${where(d, p, t)}: no subqueries`);
  }
});

test('target-job-rule: every selector narrows by job=~"$job" (exceptions listed with reasons)', () => {
  for (const { d, p, t } of targets()) {
    const parsed = parse(t.expr);
    for (const vs of nodes(parsed.root, 'VectorSelector')) {
      const s = selectorOf(parsed, vs);
      if (excepted('target-job-rule', p, s.text)) continue;
      assert.ok(s.matchers.some((m) => m.label === 'job' && m.op === '=~' && m.value === '$job'), `${where(d, p, t)}: ${s.text}`);
    }
  }
});

const COUNTER_SUFFIX = /_(total|bucket|count|sum)$/;
test('target-counter-agg-rule (stricter): counters and histogram series only under rate/irate/increase, summed', () => {
  for (const { d, p, t } of targets()) {
    const parsed = parse(t.expr);
    for (const vs of nodes(parsed.root, 'VectorSelector')) {
      const s = selectorOf(parsed, vs);
      if (!COUNTER_SUFFIX.test(s.name)) continue;
      const ctx = `${where(d, p, t)}: ${s.text}`;
      // VectorSelector → MatrixSelector → FunctionCallBody → FunctionCall(rate) → FunctionCallBody → AggregateExpr(sum)
      const ms = vs.parent;
      assert.equal(ms?.name, 'MatrixSelector', ctx);
      const call = ms!.parent!.parent!;
      assert.ok(call.name === 'FunctionCall' && ['rate', 'irate', 'increase'].includes(src(parsed, call.getChild('FunctionIdentifier')!)), ctx);
      const agg = call.parent!.parent!;
      assert.equal(agg.name, 'AggregateExpr', `${ctx}: the rate must be aggregated directly`);
      assert.equal(src(parsed, agg.getChild('AggregateOp')!), 'sum', `${ctx}: replicas add up only with sum`);
    }
  }
});

// --- beyond the linter -----------------------------------------------------------------------

// Recorded SLO series are the exception (issue 10): the recording rules are their only producer and
// record one series per job, slo and window, so they are read as recorded, without de-duplication.
const isSloSeries = (selector: string) => Object.values(SLO_SERIES).some((s) => selector === s || selector.startsWith(`${s}{`));

test('every raw selector is aggregated (replicas never show as separate series)', () => {
  for (const { d, p, t } of targets()) {
    const parsed = parse(t.expr);
    for (const vs of nodes(parsed.root, 'VectorSelector')) {
      if (isSloSeries(src(parsed, vs))) continue;
      let n: SyntaxNode | null = vs.parent;
      while (n && n.name !== 'AggregateExpr') n = n.parent;
      assert.ok(n, `${where(d, p, t)}: ${src(parsed, vs)} is not aggregated`);
    }
  }
});

test('every exception is still used', () => {
  for (const [rule, list] of Object.entries(EXCEPTIONS)) {
    list.forEach((e, i) => assert.ok(used.has(`${rule}#${i}`), `${rule}: exception "${e.reason}" matches nothing any more`));
  }
});

// Metric names: the contract's instruments (plus histogram series), its SLO series, the collector's
// own metrics (from the collector's code) and Prometheus's ALERTS.
const histogramSeries = (name: string) => [`${name}_bucket`, `${name}_count`, `${name}_sum`];
const INSTRUMENT_LABELS = new Map<string, Set<string>>();
for (const i of Object.values(INSTRUMENTS)) {
  const labels = new Set(['job', ...i.attributes.map(promLabel), fm.canaryLabel]);
  if (i.kind === 'histogram') {
    for (const s of histogramSeries(i.prometheus)) INSTRUMENT_LABELS.set(s, new Set([...labels, ...(s.endsWith('_bucket') ? ['le'] : [])]));
  } else {
    INSTRUMENT_LABELS.set(i.prometheus, labels);
  }
}
const COLLECTOR_METRICS = new SelfMetrics().families({ activePushers: 0, series: 0, overflow: 0, logBytes: 0 }).map((f) => f.name);
const KNOWN = new Set([...INSTRUMENT_LABELS.keys(), ...Object.values(SLO_SERIES), ...COLLECTOR_METRICS, 'ALERTS']);

test('every metric queried exists in the contract, the SLO series, the collector\'s metrics or ALERTS; labels exist on it', () => {
  const seen = new Set<string>();
  for (const { d, p, t } of targets()) {
    const parsed = parse(t.expr);
    for (const vs of nodes(parsed.root, 'VectorSelector')) {
      const s = selectorOf(parsed, vs);
      assert.ok(KNOWN.has(s.name), `${where(d, p, t)}: unknown metric ${s.name}`);
      seen.add(s.name);
      const labels = INSTRUMENT_LABELS.get(s.name);
      if (labels) for (const m of s.matchers) assert.ok(labels.has(m.label), `${where(d, p, t)}: ${s.name} has no label ${m.label}`);
    }
  }
  // Every instrument of the contract is on some dashboard.
  for (const i of Object.values(INSTRUMENTS)) {
    const names = i.kind === 'histogram' ? histogramSeries(i.prometheus) : [i.prometheus];
    assert.ok(names.some((n) => seen.has(n)), `${i.prometheus} is on no dashboard`);
  }
  for (const s of Object.values(SLO_SERIES)) assert.ok(seen.has(s), `${s} is on no dashboard`);
});

test('$key_id narrows only instruments that carry hmac.key_id, and every keyed target uses it', () => {
  const keyLabel = promLabel(ATTR.keyId);
  const keyed = new Set(Object.values(INSTRUMENTS).filter((i) => (i.attributes as readonly string[]).includes(ATTR.keyId))
    .flatMap((i) => (i.kind === 'histogram' ? histogramSeries(i.prometheus) : [i.prometheus])));
  for (const { d, p, t } of targets()) {
    const parsed = parse(t.expr);
    const selectors = nodes(parsed.root, 'VectorSelector').map((vs) => selectorOf(parsed, vs));
    for (const s of selectors) {
      const hasKey = s.matchers.some((m) => m.label === keyLabel && m.value === '$key_id');
      if (!keyed.has(s.name)) assert.ok(!hasKey, `${where(d, p, t)}: ${s.name} has no ${keyLabel}, the matcher would hide it`);
    }
    // A target over keyed instruments honours the variable (a share's denominator may span all keys).
    if (selectors.some((s) => keyed.has(s.name))) {
      assert.ok(selectors.some((s) => s.matchers.some((m) => m.label === keyLabel && m.value === '$key_id')), `${where(d, p, t)}: ignores $key_id`);
    }
  }
});

test('uids are stable and unique; the three dashboards link to each other carrying time and variables', () => {
  const uids = new Map([
    ['hmac-slo-executive.json', 'hmac-slo-executive'],
    ['hmac-slo-oncall.json', 'hmac-slo-oncall'],
    ['hmac-slo-debug.json', 'hmac-slo-debug'],
  ]);
  assert.deepEqual([...boards.keys()].sort(), [...uids.keys()].sort());
  for (const [file, d] of boards) {
    assert.equal(d.uid, uids.get(file));
    const others = [...uids.values()].filter((u) => u !== d.uid).map((u) => `/d/${u}`).sort();
    assert.deepEqual(d.links.filter((l) => l.type === 'link').map((l) => l.url).sort(), others, d.uid);
    for (const l of d.links) assert.ok(l.includeVars && l.keepTime, `${d.uid}: link ${l.url}`);
    const ids = d.panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, `${d.uid}: panel ids unique`);
  }
});

test('template variables: datasource, job (multi, All), key_id (multi, All)', () => {
  for (const d of all) {
    const byName = new Map(d.templating.list.map((v) => [v.name, v as typeof v & { multi?: boolean; includeAll?: boolean; allValue?: string }]));
    assert.equal(byName.get('datasource')?.type, 'datasource');
    for (const name of ['job', 'key_id']) {
      const v = byName.get(name);
      assert.equal(v?.type, 'query', `${d.uid} $${name}`);
      assert.ok(v.multi && v.includeAll, `${d.uid} $${name}: multi with All`);
      assert.match(v.allValue ?? '', /^\.[+*]$/, `${d.uid} $${name}: All matches any value`);
    }
  }
});

// --- the seed's metrics and failure modes --------------------------------------------------

// From the HMAC auth guide (/work/shared/seeds/hmac-auth-guide.md): each metric and failure mode, the
// dashboard that must show it and what its panel must query. Which panels and alerts show a code is
// written once, in the mapping table of docs/dashboards.md; the titles and alert texts carry no codes.
const SEED: Record<string, { name: string; uid: string; query: RegExp }> = {
  M1: { name: 'Auth success rate', uid: 'hmac-slo-executive', query: /hmac_auth_verifications_total|job_slo:hmac_slo_error:ratio/ },
  M2: { name: 'Auth latency (median)', uid: 'hmac-slo-oncall', query: /histogram_quantile\(0\.5, .*hmac_auth_verification_duration_seconds_bucket/ },
  M3: { name: 'Signature mismatch rate', uid: 'hmac-slo-oncall', query: /error_type="signature_mismatch"/ },
  M4: { name: 'Replay detection rate', uid: 'hmac-slo-oncall', query: /hmac_replay_checks_total\{[^}]*replayed|error_type="replay"/ },
  M5: { name: 'Key rotation success', uid: 'hmac-slo-executive', query: /hmac_key_info/ },
  M6: { name: 'KMS errors', uid: 'hmac-slo-executive', query: /hmac_kms_operations_total\{[^}]*hmac_outcome="error"/ },
  M7: { name: 'Auth-induced latency p95', uid: 'hmac-slo-oncall', query: /histogram_quantile\(0\.95, .*hmac_auth_verification_duration_seconds_bucket/ },
  M8: { name: 'Unauthorized attempts', uid: 'hmac-slo-executive', query: /unknown_key/ },
  M9: { name: 'Secrets access audit', uid: 'hmac-slo-debug', query: /hmac_keystore_reads_total/ },
  M10: { name: 'Canary auth failures', uid: 'hmac-slo-oncall', query: new RegExp(`${fm.canaryLabel}="${fm.canaryValue}"`) },
  F1: { name: 'Signature mismatch', uid: 'hmac-slo-oncall', query: /error_type="signature_mismatch"/ },
  F2: { name: 'Clock skew', uid: 'hmac-slo-oncall', query: /hmac_auth_clock_skew_seconds_bucket/ },
  F3: { name: 'Replay attacks', uid: 'hmac-slo-oncall', query: /replay/ },
  F4: { name: 'Secret compromise', uid: 'hmac-slo-executive', query: /revoked_key/ },
  F5: { name: 'Key rotation gap', uid: 'hmac-slo-debug', query: /hmac_key_id/ },
  F6: { name: 'KMS latency', uid: 'hmac-slo-debug', query: /hmac_kms_operation_duration_seconds_bucket/ },
  F7: { name: 'Incorrect header parsing', uid: 'hmac-slo-debug', query: /digest_mismatch\|missing_signature/ },
  F8: { name: 'Rate-limited signing', uid: 'hmac-slo-debug', query: /hmac_auth_signings_total|hmac_auth_signing_duration_seconds_bucket/ },
};

const ROOT = join(import.meta.dirname, '..', '..');
const alertRules = (parseYaml(readFileSync(join(ROOT, 'alerts', 'generated', 'alerts.yaml'), 'utf8')) as { groups: { rules: { alert: string; annotations: Record<string, string> }[] }[] }).groups.flatMap((g) => g.rules);

/** The mapping table of docs/dashboards.md: code → dashboard title, panel titles, alert names. */
function guideMapping(): Map<string, { dashboard: string; panels: string[]; alerts: string[] }> {
  const doc = readFileSync(join(ROOT, 'docs', 'dashboards.md'), 'utf8');
  const rows = new Map<string, { dashboard: string; panels: string[]; alerts: string[] }>();
  for (const m of doc.matchAll(/^\| ([MF]\d+) \| [^|]+ \| ([^|]+) \| ([^|]+) \| ([^|]+) \|$/gm)) {
    rows.set(m[1]!, {
      dashboard: m[2]!.trim(),
      panels: m[3]!.split(';').map((t) => t.trim()),
      alerts: [...m[4]!.matchAll(/`(HmacAuth[A-Za-z]+)`/g)].map((a) => a[1]!),
    });
  }
  return rows;
}

test('every metric M1–M10 and failure mode F1–F8 of the seed is on its dashboard', () => {
  const mapping = guideMapping();
  assert.deepEqual([...mapping.keys()].sort(), Object.keys(SEED).sort(), 'docs/dashboards.md maps every code once');
  const alertNames = new Set(alertRules.map((r) => r.alert));
  for (const [id, want] of Object.entries(SEED)) {
    const d = all.find((x) => x.uid === want.uid)!;
    const row = mapping.get(id)!;
    assert.equal(d.title.toLowerCase().includes(row.dashboard.toLowerCase()), true, `${id}: docs map it to ${row.dashboard}, the test to ${d.title}`);
    const tagged = d.panels.filter((p) => row.panels.includes(p.title ?? ''));
    assert.equal(tagged.length, row.panels.length, `${id} (${want.name}): panels ${row.panels.join(', ')} not all on ${want.uid}`);
    assert.ok(tagged.some((p) => (p.targets ?? []).some((t) => want.query.test(t.expr))), `${id} (${want.name}): ${tagged.map((p) => p.title).join(', ')} does not query ${want.query}`);
    for (const a of row.alerts) assert.ok(alertNames.has(a), `${id}: no alert ${a}`);
  }
});

test('the guide\'s codes stay out of panel titles, descriptions and alert texts', () => {
  const code = /\b[MF]\d{1,2}\b/;
  for (const d of all) for (const p of d.panels) assert.doesNotMatch(`${p.title ?? ''} ${p.description ?? ''}`, code, `${d.uid}: ${p.title}`);
  for (const r of alertRules) assert.doesNotMatch(`${r.annotations.summary} ${r.annotations.description}`, code, r.alert);
});

// --- thresholds follow the config ----------------------------------------------------------

function panel(uid: string, title: string): Panel {
  const p = all.find((d) => d.uid === uid)!.panels.find((x) => x.title === title);
  assert.ok(p, `${uid}: no panel ${title}`);
  return p;
}
const steps = (p: Panel) => (p.fieldConfig?.defaults?.thresholds?.steps ?? []).slice(1).map((s) => s.value);

test('thresholds and objectives on the panels are the config\'s values (hmac-slo.yaml defaults)', () => {
  const sec = (d: string) => Number(/^(\d+)/.exec(d)![1]) * ({ s: 1, m: 60, h: 3600, d: 86400 } as Record<string, number>)[d.at(-1)!]!;
  const success = cfg.slos.find((s) => s.name === 'auth-success')!;
  assert.deepEqual(steps(panel('hmac-slo-executive', 'Auth success over the SLO period')), [success.objective]);
  assert.deepEqual(steps(panel('hmac-slo-executive', 'Auth success rate vs objective')), [success.objective]);
  // 2 % of a 30-day budget in 1 h = 14.4×, the first burn alert's factor.
  const first = cfg.alerting.burnRate[0]!;
  const factor = (first.budgetConsumed * sec(cfg.period)) / sec(first.long);
  assert.ok(Math.abs(factor - 14.4) < 1e-9);
  const burn = steps(panel('hmac-slo-executive', `Burn rate per SLO (${first.long})`));
  assert.equal(burn[0], 1);
  assert.ok(Math.abs(burn[1]! - factor) < 1e-9);
  assert.deepEqual(steps(panel('hmac-slo-executive', 'KMS error ratio')), [fm.kmsErrorRatio]);
  assert.deepEqual(steps(panel('hmac-slo-executive', 'KMS p95 latency')), [fm.kmsLatencyP95Seconds]);
  assert.deepEqual(steps(panel('hmac-slo-executive', 'Unauthorized and forged attempts')), [fm.forgedAttemptsRate]);
  assert.deepEqual(steps(panel('hmac-slo-oncall', 'Signature mismatch ratio by job')), [fm.mismatchRatio]);
  assert.deepEqual(steps(panel('hmac-slo-oncall', 'Verification latency by job')), [fm.verificationLatencyP95Seconds]);
  assert.deepEqual(steps(panel('hmac-slo-oncall', 'Clock skew p50 / p99 vs timestamp window')), [fm.clockSkewWarnFraction * sec(fm.timestampWindow), sec(fm.timestampWindow)]);
  assert.deepEqual(steps(panel('hmac-slo-debug', 'KMS p95 latency by operation')), [fm.kmsLatencyP95Seconds]);
  assert.deepEqual(steps(panel('hmac-slo-debug', 'Key age (rotation policy)')), [sec(fm.maxKeyAge)]);
  // The objective series and the auth-success SLO's own period window are what the SLO panels read.
  const m1 = panel('hmac-slo-executive', 'Auth success over the SLO period').targets![0]!.expr;
  assert.match(m1, new RegExp(`slo="${success.name}",window="${cfg.period}"`));
  assert.match(panel('hmac-slo-oncall', 'Top rejected clients (collector)').targets![0]!.expr, new RegExp(`^topk\\(${cfg.collector.failures.topClients},`));
  // The canary panel uses the alert's own expression shape over the configured label.
  const canary = panel('hmac-slo-oncall', 'Canary vs stable failure ratio').targets!.map((t) => t.expr);
  assert.match(canary[0]!, new RegExp(`${fm.canaryLabel}="${fm.canaryValue}"`));
  assert.match(canary[1]!, new RegExp(`${fm.canaryLabel}!="${fm.canaryValue}"`));
});

// Issue 10 changed this assertion: the SLO series have one producer (the recording rules), so the
// panels read them without the `max by` that used to collapse the collector's copy.
test('executive SLO panels read the recorded SLO series without de-duplication', () => {
  const exec = all.find((d) => d.uid === 'hmac-slo-executive')!;
  const exprs = exec.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
  for (const s of Object.values(SLO_SERIES)) {
    const uses = exprs.filter((e) => e.includes(s));
    assert.ok(uses.length > 0, s);
    for (const e of uses) {
      const parsed = parse(e);
      for (const vs of nodes(parsed.root, 'VectorSelector')) {
        if (!isSloSeries(src(parsed, vs))) continue;
        let n: SyntaxNode | null = vs.parent;
        while (n && n.name !== 'AggregateExpr') n = n.parent;
        assert.equal(n, null, `${src(parsed, vs)} is aggregated in ${e}`);
      }
    }
  }
});

test('docs/dashboards.md documents every panel by its title, and every uid', () => {
  const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'dashboards.md'), 'utf8');
  for (const { d, p } of panels()) assert.ok(doc.includes(`| ${p.title} |`), `${d.uid}: panel "${p.title}" is not in docs/dashboards.md`);
  for (const d of all) assert.ok(doc.includes(`\`${d.uid}\``), d.uid);
});
