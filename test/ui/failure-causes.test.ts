// The words the status page uses for failure causes: every cause of the contract has them, the docs
// table says the same, and the summary line and trace links are built as documented.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { FAILURE_CAUSE_NAMES } from '@hmac-slo/instrumentation/contract';
import { CAUSE_TEXT, causeText, summaryLine, traceHref } from '../../src/ui/failure-causes.js';

test('every cause of the contract (and other) has a label and one sentence of what to check', () => {
  assert.deepEqual(Object.keys(CAUSE_TEXT).sort(), [...FAILURE_CAUSE_NAMES, 'other'].sort());
  for (const [cause, t] of Object.entries(CAUSE_TEXT)) {
    assert.ok(t.label.length > 0 && t.label.length <= 40, `${cause}: a short label`);
    assert.match(t.check, /^[A-Z].*\.$/, `${cause}: one sentence`);
    assert.equal(t.check.split(/\.\s+[A-Z]/).length, 1, `${cause}: only one sentence`);
  }
  // Anything else, including names that exist on every object, reads as other.
  for (const odd of ['bogus', '__proto__', 'constructor', 'toString', '']) assert.equal(causeText(odd), CAUSE_TEXT.other, odd);
});

test('docs/collector.md "Why signatures fail" lists each cause with the page\'s words', () => {
  const doc = readFileSync('docs/collector.md', 'utf8');
  const start = doc.indexOf('### Why signatures fail');
  const section = doc.slice(start, doc.indexOf('\n## ', start));
  const rows = [...section.matchAll(/^\| `([a-z0-9_]+)` \| (.+?) \| (.+) \|$/gm)].map((m) => [m[1], m[2], m[3]!.replace(/\\\|/g, '|')]);
  assert.deepEqual(rows, Object.entries(CAUSE_TEXT).map(([cause, t]) => [cause, t.label, t.check]));
});

test('a job\'s summary line names the causes with their shares, most frequent first as the API lists them', () => {
  assert.equal(
    summaryLine({ job: 'payments-api', total: 50, causes: [{ cause: 'body_reserialized', count: 41, share: 0.82 }, { cause: 'secret_differs', count: 9, share: 0.18 }] }),
    'payments-api: body re-serialized by the app 82%, secret differs 18%',
  );
  assert.equal(summaryLine({ job: 'j', total: 1000, causes: [{ cause: 'weird', count: 999, share: 0.999 }, { cause: 'skipped', count: 1, share: 0.001 }] }), 'j: unrecognized cause >99%, not diagnosed (budget spent) <1%');
});

test('only an absolute http(s) trace URL becomes a link', () => {
  assert.equal(traceHref('http://localhost:16686/trace/abc'), 'http://localhost:16686/trace/abc');
  assert.equal(traceHref('https://traces.example/t?id=1&s=2'), 'https://traces.example/t?id=1&s=2');
  for (const bad of ['javascript:alert(1)', 'JavaScript:alert(1)', 'data:text/html,x', '/trace/abc', '//evil.example/x', '', undefined, null, 42, { href: 'http://x' }]) {
    assert.equal(traceHref(bad), undefined, String(bad));
  }
});
