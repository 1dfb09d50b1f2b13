// The exposition text, byte for byte where it matters: label values with quotes, backslashes,
// newlines and non-ASCII characters are escaped and UTF-8 encoded; histogram buckets are cumulative
// with `le` labels and `+Inf`; OpenMetrics ends with `# EOF` and carries exemplars. promtool reads it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Aggregator } from '../../src/collector/aggregate/aggregator.js';
import { ByteWriter } from '../../src/collector/byte-writer.js';
import { finish, writeFamilies, writeSeries } from '../../src/collector/exposition.js';
import type { ResourceMetrics } from '../../src/collector/otlp/types.js';
import { testLimits } from './aggregator-test-limits.js';

const JOB = 'pay"ments\\eu\nwest — 支払い';
const push: ResourceMetrics[] = [
  {
    resource: { 'service.name': JOB, 'service.instance.id': 'i-1' },
    metrics: [
      {
        name: 'hmac.auth.verifications',
        unit: '{verification}',
        description: 'Verifications.',
        data: {
          type: 'sum',
          temporality: 2,
          monotonic: true,
          points: [{ attributes: { 'hmac.scheme': 'hmac-sha256', 'hmac.key_id': 'k-ü', 'hmac.outcome': 'accepted' }, start: '1', value: 41 }],
        },
      },
      {
        name: 'hmac.auth.verification.duration',
        unit: 's',
        description: 'Verification time.',
        data: {
          type: 'histogram',
          temporality: 2,
          points: [
            {
              attributes: { 'hmac.scheme': 'hmac-sha256', 'hmac.key_id': 'k-ü', 'hmac.outcome': 'accepted' },
              start: '1',
              count: 6,
              sum: 0.05,
              bounds: [0.005, 0.03],
              counts: [3, 2, 1],
              exemplars: [{ value: 0.004, timeUnixMs: 1_700_000_000_000, traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8) }],
            },
          ],
        },
      },
    ],
  },
];

function render(om: boolean): string {
  const agg = new Aggregator(testLimits({ maxSeries: 100, maxSeriesPerJob: 100, pusherTtlMs: 60_000 }));
  agg.ingest(push, 0);
  const out = new ByteWriter();
  writeSeries(out, agg, om);
  writeFamilies(out, [{ name: 'hmac_slo_objective', type: 'gauge', help: 'Objective.', samples: [{ labels: { slo: 'a"b' }, value: 0.999 }] }], om);
  return Buffer.concat(finish(out, om)).toString('utf8');
}

test('label values are escaped and UTF-8 encoded; buckets are cumulative', () => {
  const text = render(false);
  const job = 'job="pay\\"ments\\\\eu\\nwest — 支払い"';
  assert.ok(text.includes(`hmac_auth_verifications_total{${job},hmac_key_id="k-ü",hmac_outcome="accepted",hmac_scheme="hmac-sha256"} 41\n`), text);
  const b = (le: string, v: number) => `hmac_auth_verification_duration_seconds_bucket{${job},hmac_key_id="k-ü",hmac_outcome="accepted",hmac_scheme="hmac-sha256",le="${le}"} ${v}\n`;
  for (const [le, v] of [['0.005', 3], ['0.03', 5], ['+Inf', 6]] as const) assert.ok(text.includes(b(le, v)), `bucket ${le}\n${text}`);
  assert.match(text, /_sum\{[^}]+\} 0\.05\n/);
  assert.match(text, /_count\{[^}]+\} 6\n/);
  assert.ok(text.includes('hmac_slo_objective{slo="a\\"b"} 0.999\n'));
  assert.ok(!text.includes('# EOF'));
  assert.ok(!text.includes('trace_id'), 'exemplars only in OpenMetrics');
});

test('OpenMetrics: exemplar on its bucket, # EOF at the end', () => {
  const text = render(true);
  assert.match(text, /le="0\.005"\} 3 # \{trace_id="(ab){16}",span_id="(cd){8}"\} 0\.004 1700000000\n/);
  assert.ok(text.endsWith('# EOF\n'));
});

test('promtool check metrics accepts the text', () => {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: render(false), encoding: 'utf8' });
  // Exit 0 = valid; lint findings (e.g. naming advice) would be printed but are not expected.
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
});
