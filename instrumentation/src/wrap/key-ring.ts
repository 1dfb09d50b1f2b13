/**
 * `observeKeyRing(keyRing)`: reports every declared key at collection time —
 * `hmac.key.info` with the key's status (active, retiring, revoked) and `hmac.key.age` in seconds.
 * `hmac.key.info` is 1 for each key's current status. After a status change the earlier status's
 * series is reported as 0 (the SDK would otherwise keep its last value, 1), so `== 1` selects the
 * current status exactly. Mark keys revoked rather than deleting them: a key that disappears from the
 * ring keeps its last reported series until the process restarts (SDK cumulative behaviour).
 * Nothing runs on the request path. Returns a handle whose `stop()` ends the reporting.
 */
import { ATTR, KEY_STATUSES, type KeyStatus } from '../contract.js';
import type { KeyRingLike } from '../key-ring.js';
import { hubFor } from '../telemetry/hub.js';
import type { ProviderOptions } from './options.js';

export interface KeyRingObservation {
  stop(): void;
}

export function observeKeyRing(keyRing: KeyRingLike, options: Pick<ProviderOptions, 'meterProvider'> = {}): KeyRingObservation {
  if (typeof keyRing?.keys !== 'function') throw new TypeError('observeKeyRing needs an object with keys()');
  const hub = hubFor(options.meterProvider);
  /** Statuses reported so far per key ID (at most 3 per declared key). */
  const history = new Map<string, Set<KeyStatus>>();
  const stop = hub.addGaugeSource((observe) => {
    const now = Date.now();
    for (const key of keyRing.keys()) {
      if (typeof key.id !== 'string' || !(KEY_STATUSES as readonly string[]).includes(key.status)) continue;
      observe('keyInfo', 1, { [ATTR.keyId]: key.id, [ATTR.keyStatus]: key.status });
      // The SDK keeps reporting an observable's last value for an attribute set that is no longer
      // observed (cumulative temporality), so a key that moved from active to retiring would still
      // show active = 1. Report the statuses it had before as 0 instead.
      let seen = history.get(key.id);
      if (seen === undefined) history.set(key.id, (seen = new Set()));
      seen.add(key.status);
      for (const status of seen) {
        if (status !== key.status) observe('keyInfo', 0, { [ATTR.keyId]: key.id, [ATTR.keyStatus]: status });
      }
      const created = key.createdAt instanceof Date ? key.createdAt.getTime() : Number(key.createdAt);
      if (Number.isFinite(created)) observe('keyAge', Math.max(0, (now - created) / 1000), { [ATTR.keyId]: key.id });
    }
  });
  return { stop };
}
