/**
 * Key material of the demo's services. Every secret is derived from one seed with HKDF-SHA256
 * (info = the key ID), so a test that sets the seed can recompute each secret and prove it never
 * shows up in metrics, spans, logs or API answers. Without a seed a random one is used per run.
 */
import { hkdfSync, randomBytes } from 'node:crypto';

export const SECRET_SEED_ENV = 'HMAC_SLO_DEMO_SECRET_SEED';
const SALT = Buffer.from('hmac-slo demo key derivation v1', 'utf8');

export class DemoSecrets {
  private readonly seed: Buffer;

  constructor(seed?: string) {
    this.seed = seed !== undefined && seed !== '' ? Buffer.from(seed, 'utf8') : randomBytes(32);
  }

  /** The 32-byte secret of a key ID. */
  secretFor(keyId: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.seed, SALT, Buffer.from(keyId, 'utf8'), 32));
  }
}
