/**
 * `observeKeyRing(keyRing)`: reports every declared key at collection time —
 * `hmac.key.info` with the key's status (active, retiring, revoked) and `hmac.key.age` in seconds.
 * `hmac.key.info` is a state set: per key, the series of its current status is 1 and the two others
 * are 0, so `sum by (hmac_key_status) (hmac_key_info)` counts keys per status and a status change is
 * visible at once. Mark keys revoked rather than deleting them: a key that disappears from the ring
 * keeps its last reported series until the process restarts (SDK cumulative behaviour).
 * Nothing runs on the request path. Returns a handle whose `stop()` ends the reporting.
 */
import { ATTR, KEY_STATUSES } from '../contract.js';
import type { KeyRingLike } from '../key-ring.js';
import { hubFor } from '../telemetry/hub.js';
import type { ProviderOptions } from './options.js';

export interface KeyRingObservation {
  stop(): void;
}

export function observeKeyRing(keyRing: KeyRingLike, options: Pick<ProviderOptions, 'meterProvider'> = {}): KeyRingObservation {
  if (typeof keyRing?.keys !== 'function') throw new TypeError('observeKeyRing needs an object with keys()');
  const hub = hubFor(options.meterProvider);
  const stop = hub.addGaugeSource((observe) => {
    const now = Date.now();
    for (const key of keyRing.keys()) {
      if (typeof key.id !== 'string' || !(KEY_STATUSES as readonly string[]).includes(key.status)) continue;
      // A state set: 1 for the current status, 0 for the others. The SDK keeps reporting an
      // observable's last value for an attribute set that stops being observed (cumulative
      // temporality), so a key moving from active to retiring would otherwise show both.
      for (const status of KEY_STATUSES) {
        observe('keyInfo', status === key.status ? 1 : 0, { [ATTR.keyId]: key.id, [ATTR.keyStatus]: status });
      }
      const created = key.createdAt instanceof Date ? key.createdAt.getTime() : Number(key.createdAt);
      if (Number.isFinite(created)) observe('keyAge', Math.max(0, (now - created) / 1000), { [ATTR.keyId]: key.id });
    }
  });
  return { stop };
}
