/** Client fingerprints as a collector with state directory `DIR/state` computes them (its keyed HMAC). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fingerprint } from '../../src/collector/spans.js';
import { FINGERPRINT_KEY_FILE } from '../../src/collector/fingerprint-key.js';

/** Reads the key on each call, so it can be made before the collector first starts. */
export function fingerprintsIn(dir: string): (client: string) => string {
  return (client) => fingerprint(client, readFileSync(join(dir, 'state', FINGERPRINT_KEY_FILE)));
}
