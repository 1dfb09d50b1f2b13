/**
 * `observeKeyRing(keyRing)`: reports every declared key at collection time —
 * `hmac.key.info` with the key's status (active, retiring, revoked) and owner (when the entry has a
 * valid one: KEY_OWNER_PATTERN; another is left out and reported once) and `hmac.key.age` in seconds.
 * `hmac.key.info` is 1 for each key's current status. After a status change the earlier status's
 * series is reported as 0 (the SDK would otherwise keep its last value, 1), so `== 1` selects the
 * current status exactly. Mark keys revoked rather than deleting them: a key that disappears from the
 * ring keeps its last reported series until the process restarts (SDK cumulative behaviour).
 * Nothing runs on the request path. Returns a handle whose `stop()` ends the reporting.
 */
import type { Attributes } from '@opentelemetry/api';
import { ATTR, KEY_STATUSES } from '../contract.js';
import { KEY_OWNER_PATTERN, type KeyRingLike } from '../key-ring.js';
import { hubFor } from '../telemetry/hub.js';
import { ProblemReporter } from '../telemetry/report.js';
import type { ProviderOptions } from './options.js';

export interface KeyRingObservation {
  stop(): void;
}

export function observeKeyRing(keyRing: KeyRingLike, options: Pick<ProviderOptions, 'meterProvider'> = {}): KeyRingObservation {
  if (typeof keyRing?.keys !== 'function') throw new TypeError('observeKeyRing needs an object with keys()');
  const hub = hubFor(options.meterProvider);
  /** (status, owner) pairs reported so far per key ID (a handful per declared key). */
  const history = new Map<string, Map<string, Attributes>>();
  const problems = new ProblemReporter();
  const ownerOf = (owner: unknown): string | undefined => {
    if (owner === undefined) return undefined;
    if (typeof owner === 'string' && KEY_OWNER_PATTERN.test(owner)) return owner;
    problems.report('a key ring entry\'s owner', `it is left out of ${ATTR.keyOwner} (expected ${KEY_OWNER_PATTERN})`, owner);
    return undefined;
  };
  const stop = hub.addGaugeSource((observe) => {
    const now = Date.now();
    for (const key of keyRing.keys()) {
      if (typeof key.id !== 'string' || !(KEY_STATUSES as readonly string[]).includes(key.status)) continue;
      const owner = ownerOf(key.owner);
      const attrs: Attributes = owner === undefined ? { [ATTR.keyId]: key.id, [ATTR.keyStatus]: key.status } : { [ATTR.keyId]: key.id, [ATTR.keyStatus]: key.status, [ATTR.keyOwner]: owner };
      observe('keyInfo', 1, attrs);
      // The SDK keeps reporting an observable's last value for an attribute set that is no longer
      // observed (cumulative temporality), so a key that moved from active to retiring (or to
      // another owner) would still show the old set = 1. Report the sets it had before as 0 instead.
      const current = `${key.status}\0${owner ?? ''}`;
      let seen = history.get(key.id);
      if (seen === undefined) history.set(key.id, (seen = new Map()));
      seen.set(current, attrs);
      for (const [set, before] of seen) {
        if (set !== current) observe('keyInfo', 0, before);
      }
      const created = key.createdAt instanceof Date ? key.createdAt.getTime() : Number(key.createdAt);
      if (Number.isFinite(created)) observe('keyAge', Math.max(0, (now - created) / 1000), { [ATTR.keyId]: key.id });
    }
  });
  return { stop };
}
