/**
 * The demo's world: its services, clients, simulated KMS and key material, plus the knobs the
 * scenario timeline turns. Scenarios change only what a real incident would change (a client's
 * library version or clock, an attacker's traffic, the KMS's health, the key ring, a proxy, the
 * canary's traffic share); the services themselves run the same code throughout.
 */
import type { KeyRing } from '@hmac-slo/instrumentation';
import { KMS_HEALTHY, type KmsProfile, type SimulatedKms } from './kms.js';
import type { KmsKeyStore } from './keystore.js';
import type { DemoSecrets } from './secrets.js';
import type { SignedClient } from './client.js';
import type { PaymentsApi } from './services/payments-api.js';
import type { WebhookReceiver } from './services/webhook-receiver.js';

export interface Conditions {
  /** Share of checkout-service / webhook-sender requests sent by instances on the new signing library (signature mismatch). */
  upgradedShare: number;
  /** Replayed captured requests per second. */
  replayPerSec: number;
  /** Requests per second signed with a revoked (leaked) key, and with made-up key IDs. */
  revokedKeyPerSec: number;
  forgedKeyPerSec: number;
  /** The new edge proxy re-serialises pretty-printed JSON webhook bodies (digest mismatch). */
  proxyRewritesBodies: boolean;
  /** Share of payments traffic routed to the canary instance. */
  canaryShare: number;
  /**
   * Share of billing-worker requests sent by instances that took the new key ID from the rotated
   * config but still hold the retiring key's secret (a half-applied rotation: signed_with_other_key).
   */
  halfRotatedShare: number;
}

export const BASELINE: Readonly<Conditions> = Object.freeze({
  upgradedShare: 0,
  replayPerSec: 0,
  revokedKeyPerSec: 0,
  forgedKeyPerSec: 0,
  proxyRewritesBodies: false,
  canaryShare: 0,
  halfRotatedShare: 0,
});

/** Sustained rates of the legitimate clients (requests per real second; not time-scaled). */
export const RATES = { checkout: 10, billing: 5, webhooks: 5 } as const;

export interface KeyPlan {
  /** The payments key every client signs with in steady state. */
  current: string;
  /** The key leaked months ago and revoked since: what the attacker presents. */
  leaked: string;
  /** During a rotation: the key being replaced (retiring, then revoked). */
  retiring?: string;
  rotations: number;
}

export interface DemoWorld {
  readonly conditions: Conditions;
  readonly kms: SimulatedKms;
  readonly secrets: DemoSecrets;
  readonly keys: KeyPlan;
  readonly payments: PaymentsApi;
  readonly paymentsCanary: PaymentsApi;
  readonly webhooks: WebhookReceiver;
  readonly webhookKeyRing: KeyRing;
  readonly checkout: SignedClient;
  readonly billing: SignedClient;
  readonly webhookSender: SignedClient;
}

/** Every payments-api instance's key store (stable and canary share one key configuration). */
function stores(world: DemoWorld): KmsKeyStore[] {
  return [world.payments.keyStore, world.paymentsCanary.keyStore];
}

/** `pay-YYYY-MM` for a time, for key IDs that read like a real rotation schedule. */
export function monthKeyId(prefix: string, ms: number, suffix = ''): string {
  const d = new Date(ms);
  return `${prefix}-${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}${suffix}`;
}

export function setKms(world: DemoWorld, profile: KmsProfile): void {
  world.kms.setProfile(profile);
}

/** Key rotation gap, step 1: a new key is deployed to the verifiers, the old one retires, clients move — but billing-worker lags. */
export function startRotation(world: DemoWorld): void {
  const keys = world.keys;
  if (keys.retiring !== undefined) return;
  keys.rotations++;
  const next = monthKeyId('pay', Date.now(), keys.rotations > 1 ? `-r${keys.rotations}` : '');
  const secret = world.secrets.secretFor(next);
  for (const store of stores(world)) {
    store.add(next, secret, 'active', Date.now());
    store.setStatus(keys.current, 'retiring');
  }
  keys.retiring = keys.current;
  keys.current = next;
  world.checkout.useKey(next, secret);
  // billing-worker caches its signing config and keeps using the retiring key; some of its instances
  // read the new key ID from the rotated config while their secret cache still holds the old secret.
  world.billing.halfRotate(next, world.secrets.secretFor(keys.retiring));
}

/** Key rotation gap, step 2: the retiring key is revoked on schedule; the lagging client is now rejected. */
export function revokeRetiring(world: DemoWorld): void {
  const old = world.keys.retiring;
  if (old === undefined) return;
  for (const store of stores(world)) store.setStatus(old, 'revoked');
}

/** End of the rotation: the lagging client is restarted and picks up the current key. */
export function finishRotation(world: DemoWorld): void {
  const keys = world.keys;
  if (keys.retiring === undefined) return;
  revokeRetiring(world);
  keys.retiring = undefined;
  world.billing.useKey(keys.current, world.secrets.secretFor(keys.current));
}

/** Back to normal: conditions at baseline, KMS healthy, clocks synced, any rotation completed. */
export function recover(world: DemoWorld): void {
  Object.assign(world.conditions, BASELINE);
  setKms(world, KMS_HEALTHY);
  world.billing.clockOffsetSec = 0.4;
  finishRotation(world);
}
