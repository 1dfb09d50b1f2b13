/**
 * Basic-auth timing does not reveal user names (issue 9 review): an unknown user is checked against
 * a dummy hash of the configured users' bcrypt cost, so it takes as long as a known user with a
 * wrong password (the dummy used to have a fixed cost of 10, 4× off a cost-12 or cost-8 user).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import bcrypt from 'bcryptjs';
import { createReadAuth } from '../../src/collector/read-auth.js';

test('a wrong password takes as long for an unknown user as for a known one (same bcrypt cost)', async () => {
  const auth = createReadAuth({ clientAuth: 'NoClientCert', basicUsers: new Map([['prometheus', bcrypt.hashSync('right-password', 8)]]), bearerDigests: [], healthOpen: true });
  const basic = (user: string) => `Basic ${Buffer.from(`${user}:wrong-password`).toString('base64')}`;
  const time = async (user: string) => {
    const t = process.hrtime.bigint();
    for (let i = 0; i < 5; i++) assert.equal(await auth.check(basic(user)), 'basic credentials not accepted');
    return Number(process.hrtime.bigint() - t) / 5e6;
  };
  await time('prometheus'); // warm up
  // The median of alternating rounds, so a busy machine hits both alike.
  const known: number[] = [];
  const unknown: number[] = [];
  for (let round = 0; round < 5; round++) {
    known.push(await time('prometheus'));
    unknown.push(await time('nobody'));
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const ratio = median(unknown) / median(known);
  console.log(`known user ${median(known).toFixed(1)} ms, unknown user ${median(unknown).toFixed(1)} ms per check (ratio ${ratio.toFixed(2)})`);
  assert.ok(ratio > 0.6 && ratio < 1.6, `unknown/known check time ratio ${ratio.toFixed(2)}`);
});
