/**
 * `signed_with_other_key`: the other keys the application holds — the scheme's own (reference key
 * ring), the members of a `keyRing` option that can hand out secrets (`lookup(id)`), and the
 * `diagnose.otherSecrets` the user lists (another endpoint's secret, the CLI's, test vs live).
 * Only the key ID ever leaves this module.
 */
import type { KeyRingLike } from '../key-ring.js';
import { keyRingSecrets } from '../key-ring.js';
import { secretBytes } from './subject.js';

export interface OtherSecret {
  /** Reported as `hmac.failure.cause_key_id` and the counter's `hmac.key_id` when it verifies. */
  readonly id: string;
  readonly secret: string | Uint8Array;
}

export function* otherKeys(
  own: Iterable<readonly [string, Uint8Array]> | undefined,
  keyRing: KeyRingLike | undefined,
  listed: readonly OtherSecret[],
): Iterable<readonly [string, Uint8Array]> {
  const seen = new Set<string>();
  const fresh = (id: string) => !seen.has(id) && seen.add(id) !== undefined;
  if (own !== undefined) for (const [id, s] of own) if (fresh(id)) yield [id, s];
  if (keyRing !== undefined) for (const [id, s] of keyRingSecrets(keyRing)) if (fresh(id)) yield [id, s];
  for (const { id, secret } of listed) {
    const bytes = secretBytes(secret);
    if (bytes !== undefined && fresh(id)) yield [id, bytes];
  }
}
