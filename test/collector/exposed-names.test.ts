/**
 * ExposedNames (src/collector/aggregate/exposed-names.ts) on its own: what a dropped series frees —
 * its labels at once (also when the aggregator forgot to say so), its family once it has no series
 * left — so expiring series never lock a name or a label set for good.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExposedNames } from '../../src/collector/aggregate/exposed-names.js';

const series = (name: string, attributes: Record<string, string>, kind: 'counter' | 'gauge' = 'gauge') => ({
  job: 'j',
  name,
  promName: name.replace(/\./g, '_'),
  kind,
  attributes,
});

test('labels and families are freed when their series go', () => {
  const live = new Set<string>();
  const names = new ExposedNames((key) => live.has(key));
  const admit = (s: ReturnType<typeof series>, key: string) => {
    const why = names.admit(s, key);
    if (!why) live.add(key);
    return why?.[0];
  };
  assert.equal(admit(series('hmac.a', { 'x.y': '1' }), 'k1'), undefined);
  assert.equal(admit(series('hmac.a', { x_y: '1' }), 'k2'), 'label_collision');
  assert.equal(admit(series('hmac_a', {}), 'k3'), 'name_conflict');
  names.release(series('hmac.a', { 'x.y': '1' }), 'k1');
  live.delete('k1');
  assert.equal(admit(series('hmac_a', {}), 'k3'), undefined, 'the family had no series left');
  // A series dropped without release: its labels are free anyway (the holder is no longer live).
  assert.equal(admit(series('hmac_a', { x_y: '2' }), 'k4'), undefined);
  live.delete('k4');
  assert.equal(admit(series('hmac_a', { 'x.y': '2' }), 'k5'), undefined);
});
