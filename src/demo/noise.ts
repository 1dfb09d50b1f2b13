/**
 * Background noise of the quick tour: the few rejections any real HMAC-authenticated API sees on a
 * good day, so a first look at /metrics shows several failure reasons within the first minute. It
 * starts when the opening steady phase ends (a few bad events among its few hundred requests would
 * overspend the young SLO windows). Three sources, each firing once in the first half minute and
 * then every few real minutes (not time-scaled, like the clients' rates):
 *
 * - a host with a broken clock: one checkout call signed 7 minutes behind (timestamp_skew);
 * - a stale client: a forgotten cron job still signing with the long-revoked leaked key (revoked_key);
 * - a scanner probing made-up key IDs (unknown_key), from its own address.
 *
 * The share stays well inside the SLOs: NOISE_PER_MINUTE bad events against ~900 payments-api
 * verifications a minute is about 0.06%: a burn rate near 0.5, inside auth-success's 0.1% budget (tested).
 */
import { createHmacSigner } from '@hmac-slo/instrumentation';
import { PAYMENTS_HOST } from './services/payments-api.js';
import type { Workload } from './traffic.js';
import type { DemoWorld } from './world.js';

interface NoiseSource {
  readonly name: string;
  /** Real milliseconds from `start()` to the first burst, and between bursts. */
  readonly firstAtMs: number;
  readonly everyMs: number;
  /** Requests per burst. */
  readonly burst: number;
}

export const NOISE_SOURCES: readonly NoiseSource[] = [
  { name: 'clock-skew', firstAtMs: 5_000, everyMs: 8 * 60_000, burst: 1 },
  { name: 'stale-client', firstAtMs: 12_000, everyMs: 8 * 60_000, burst: 1 },
  { name: 'scanner', firstAtMs: 20_000, everyMs: 8 * 60_000, burst: 2 },
];

/** Long-run rejected requests per real minute that the noise adds (all to payments-api). */
export const NOISE_PER_MINUTE = NOISE_SOURCES.reduce((sum, s) => sum + (s.burst * 60_000) / s.everyMs, 0);

const SCANNER_KEY_IDS = ['svc-admin', 'k1', 'default'];
const SKEW_SECONDS = -420;

export class BackgroundNoise {
  private readonly timers: NodeJS.Timeout[] = [];
  private seq = 0;

  constructor(
    private readonly world: DemoWorld,
    private readonly workload: Workload,
  ) {}

  start(): void {
    for (const source of NOISE_SOURCES) {
      const fire = () => {
        for (let i = 0; i < source.burst; i++) this.send(source.name);
      };
      this.timers.push(
        setTimeout(() => {
          fire();
          this.timers.push(setInterval(fire, source.everyMs));
        }, source.firstAtMs),
      );
    }
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.length = 0;
  }

  private send(source: string): void {
    const w = this.world;
    const n = ++this.seq;
    let keyId: string;
    let secret: Uint8Array;
    let client: string;
    let clock = () => Date.now();
    if (source === 'clock-skew') {
      keyId = w.keys.current;
      secret = w.secrets.secretFor(keyId);
      client = 'checkout-service';
      clock = () => Date.now() + SKEW_SECONDS * 1000;
    } else if (source === 'stale-client') {
      keyId = w.keys.leaked;
      secret = w.secrets.secretFor(keyId);
      client = 'reconciliation-cron';
    } else {
      keyId = SCANNER_KEY_IDS[n % SCANNER_KEY_IDS.length]!;
      secret = w.secrets.secretFor(`scanner-guess:${keyId}`);
      client = '198.51.100.23';
    }
    const sign = createHmacSigner({ keyId, secret, headers: ['host', 'content-type'], clock });
    const path = source === 'scanner' ? '/v1/admin/keys' : '/v1/refunds';
    const body = JSON.stringify({ amount: 100 + n, currency: 'EUR', reference: `noise_${n}` });
    const headers: Record<string, string> = { host: PAYMENTS_HOST, 'content-type': 'application/json', 'x-client-id': client };
    const request = { method: 'POST', path, headers: { ...headers, ...sign({ method: 'POST', path, headers, body }) }, body };
    this.workload.dispatch('payments-api', w.payments.server.port, request);
  }
}
