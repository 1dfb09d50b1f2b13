// The package's own HmacAuthError, and what the classifier does with everything it does not know.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyError, composeClassifiers } from '../src/classify/index.js';
import { HmacAuthError } from '../src/errors.js';
import { FAILURE_REASON_NAMES } from '../src/contract.js';

test('every taxonomy reason carried by HmacAuthError comes back unchanged', () => {
  for (const reason of FAILURE_REASON_NAMES) assert.equal(classifyError(new HmacAuthError(reason)), reason);
});

test('a structurally identical error from another copy of the package is recognised', () => {
  const foreign = Object.assign(new Error('x'), { name: 'HmacAuthError', reason: 'replay' });
  assert.equal(classifyError(foreign), 'replay');
  const bogus = Object.assign(new Error('x'), { name: 'HmacAuthError', reason: 'not-a-reason' });
  assert.equal(classifyError(bogus), 'internal_error');
});

test('unrecognised errors and non-errors are internal_error, never a guess', () => {
  for (const thrown of [new Error('Bad mac'), new RangeError('x'), 'a string', 42, null, undefined, {}, { isBoom: true }]) {
    assert.equal(classifyError(thrown), 'internal_error');
  }
});

test('a getter that throws does not break classification', () => {
  const hostile = { get name(): string { throw new Error('boom'); } };
  assert.throws(() => hostile.name);
  assert.equal(classifyError(Object.create(hostile)), 'internal_error');
});

test('composeClassifiers tries yours first and falls back to the default', () => {
  class ExpiredError extends Error {}
  const classify = composeClassifiers((e) => (e instanceof ExpiredError ? 'timestamp_skew' : undefined));
  assert.equal(classify(new ExpiredError()), 'timestamp_skew');
  assert.equal(classify(new HmacAuthError('unknown_key')), 'unknown_key');
  assert.equal(classify(new Error('?')), 'internal_error');
});
