/** Settings the collector core reads from the config reach the parts they bound. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import pino from 'pino';
import { ATTR } from '@hmac-slo/instrumentation/contract';
import { CollectorCore } from '../../src/collector/core.js';
import type { Span } from '../../src/collector/otlp/types.js';
import { parseConfig } from '../../src/config/load.js';
import { tempDir } from '../support/collector.js';

const T0 = 1_800_000_000_000;

function rejected(job: string, i: number): Span {
  return {
    resource: { 'service.name': job },
    name: 'hmac.verify',
    traceId: 'a'.repeat(32),
    spanId: i.toString(16).padStart(16, '0'),
    startUnixMs: T0,
    endUnixMs: T0,
    attributes: { [ATTR.outcome]: 'rejected', [ATTR.errorType]: 'signature_mismatch', [ATTR.clientId]: `client-${i}` },
    statusCode: 2,
  };
}

test('collector.failures.maxJobs bounds the jobs with top-clients tables', async () => {
  const tmp = tempDir();
  const core = new CollectorCore(parseConfig({ collector: { failures: { maxJobs: 1 } } }), join(tmp.dir, 'state'), pino({ level: 'silent' }));
  try {
    core.recover(T0);
    await core.recovered;
    await core.ingestSpans([rejected('a', 1), rejected('b', 2), rejected('c', 3)], T0);
    const answer = core.failureQuery({});
    assert.equal(answer.failures.length, 3, 'the ring keeps every failure');
    assert.equal(answer.topClients.length, 1);
  } finally {
    core.close();
    tmp.cleanup();
  }
});
