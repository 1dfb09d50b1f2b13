/**
 * Prometheus family names for pushed instruments: the contract's names on every road — including
 * the `…_seconds` instrument names `PROMETHEUS_EXPORTER_VIEWS` produce — and the usual OTel →
 * Prometheus translation for anything else. Expected names are written out by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INSTRUMENTS, PROMETHEUS_EXPORTER_VIEWS } from '@hmac-slo/instrumentation/contract';
import { canonicalName, prometheusName } from '../../src/collector/aggregate/names.js';

test('contract instruments keep their contract family, also under the view-renamed _seconds names', () => {
  assert.equal(prometheusName('hmac.auth.verifications', '{verification}', true, false), 'hmac_auth_verifications_total');
  assert.equal(prometheusName('hmac.auth.verification.duration', 's', false, false), 'hmac_auth_verification_duration_seconds');
  assert.equal(prometheusName('hmac.auth.verification.duration_seconds', 's', false, false), 'hmac_auth_verification_duration_seconds');
  assert.equal(canonicalName('hmac.auth.verification.duration_seconds'), 'hmac.auth.verification.duration');
  for (const view of PROMETHEUS_EXPORTER_VIEWS) {
    const spec = Object.values(INSTRUMENTS).find((i) => i.name === view.instrumentName)!;
    assert.equal(prometheusName(view.name, 's', false, false), spec.prometheus, view.name);
  }
});

test('other names: dots to underscores, unit suffix unless present, _total for monotonic sums', () => {
  assert.equal(prometheusName('hmac.custom.wait', 's', false, false), 'hmac_custom_wait_seconds');
  assert.equal(prometheusName('hmac.custom.wait_seconds', 's', false, false), 'hmac_custom_wait_seconds');
  assert.equal(prometheusName('hmac.custom.payload', 'By', true, false), 'hmac_custom_payload_bytes_total');
  assert.equal(prometheusName('hmac.custom.requests', '{request}', true, false), 'hmac_custom_requests_total');
  assert.equal(prometheusName('hmac.custom.utilization', '1', false, true), 'hmac_custom_utilization_ratio');
  assert.equal(prometheusName('hmac.custom.items', '', false, true), 'hmac_custom_items');
});

/** Prometheus' rule for metric names. */
const METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

test('units that are Object.prototype keys give plain, valid family names', () => {
  assert.equal(prometheusName('hmac.custom.x', 'constructor', false, true), 'hmac_custom_x_constructor');
  assert.equal(prometheusName('hmac.custom.x', '__proto__', false, true), 'hmac_custom_x_proto');
  assert.equal(prometheusName('hmac.custom.x', 'toString', true, false), 'hmac_custom_x_toString_total');
  assert.equal(prometheusName('hmac.custom.x', 'hasOwnProperty', false, false), 'hmac_custom_x_hasOwnProperty');
  for (const unit of ['valueOf', '__defineGetter__', 'isPrototypeOf', 'ü', '{x}', '', '1', '%', 'By/s']) {
    assert.match(prometheusName('hmac.custom.ünïcode-名前', unit, false, false), METRIC_NAME_RE, unit);
  }
});
