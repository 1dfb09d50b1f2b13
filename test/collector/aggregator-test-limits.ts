/**
 * Aggregator limits for unit tests: the test's own, plus the limits an Aggregator always needs at
 * their schema defaults (taken from the schema, never restated). Caps the test does not set stay off.
 */
import { parseConfig } from '../../src/config/load.js';
import { aggregatorLimits } from '../../src/collector/core.js';
import type { AggregatorLimits } from '../../src/collector/aggregate/aggregator.js';

type Required = 'maxPushers' | 'maxLabelValueBytes' | 'maxAttributesPerPoint';

export function testLimits(own: Omit<AggregatorLimits, Required> & Partial<Pick<AggregatorLimits, Required>>): AggregatorLimits {
  const d = aggregatorLimits(parseConfig({}));
  return { maxPushers: d.maxPushers, maxLabelValueBytes: d.maxLabelValueBytes, maxAttributesPerPoint: d.maxAttributesPerPoint, ...own };
}
