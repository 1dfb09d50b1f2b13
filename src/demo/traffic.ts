/**
 * The workload: legitimate clients at steady rates, plus whatever the current conditions add
 * (upgraded library instances, an attacker's replays, revoked and made-up keys, the body-rewriting
 * proxy, the canary's share). Ticks ten times a second and sends the requests that are due, so the
 * rates hold whatever the speed; every answer is counted in the totals book as the client saw it.
 */
import { createHmacSigner, type HmacSigner } from '@hmac-slo/instrumentation';
import { send, type Answer, type WireRequest } from './client.js';
import type { Rng } from './rng.js';
import { PAYMENTS_HOST } from './services/payments-api.js';
import { WEBHOOKS_HOST } from './services/webhook-receiver.js';
import type { TotalsBook } from './totals.js';
import { RATES, type DemoWorld } from './world.js';

const TICK_MS = 100;
const CAPTURE_SIZE = 64;
const MERCHANTS = ['M-8F2K', 'M-Q7ZD', 'M-3XJH', 'M-LP4C'];
const EVENTS = ['charge.succeeded', 'charge.refunded', 'payout.paid', 'dispute.created'];

interface Captured {
  readonly port: number;
  readonly request: WireRequest;
}

export class Workload {
  private timer: NodeJS.Timeout | undefined;
  private readonly credit = { checkout: 0, billing: 0, webhooks: 0, replay: 0, revoked: 0, forged: 0 };
  private readonly inflight = new Set<Promise<void>>();
  /** Recently accepted checkout calls, as an attacker on the path would have captured them. */
  private readonly captured: Captured[] = [];
  /** Per-source sequence numbers (a shared one would lock each source onto the same parity). */
  private readonly seq = { checkout: 0, billing: 0, webhooks: 0, attack: 0 };
  private readonly attackerRevoked: HmacSigner;
  private readonly attackerForged: HmacSigner[];
  sent = 0;
  failedToSend = 0;
  signingFailures = 0;

  constructor(
    private readonly world: DemoWorld,
    private readonly totals: TotalsBook,
    private readonly rng: Rng,
  ) {
    const leaked = world.keys.leaked;
    this.attackerRevoked = createHmacSigner({ keyId: leaked, secret: world.secrets.secretFor(leaked), headers: ['host', 'content-type'] });
    // Guessed key IDs with secrets the attacker made up: unknown_key (recorded as key `unknown`).
    this.attackerForged = ['pay-admin', 'pay-2024-01', 'test-key'].map((keyId) =>
      createHmacSigner({ keyId, secret: world.secrets.secretFor(`attacker-guess:${keyId}`), headers: ['host', 'content-type'] }),
    );
  }

  start(): void {
    this.timer ??= setInterval(() => this.tick(), TICK_MS);
  }

  /** Stops sending and waits for the requests in flight (bounded by the KMS client timeout). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  private tick(): void {
    const c = this.world.conditions;
    const dt = TICK_MS / 1000;
    this.due('checkout', RATES.checkout * dt, () => this.checkoutCall());
    this.due('billing', RATES.billing * dt, () => this.billingCall());
    this.due('webhooks', RATES.webhooks * dt, () => this.webhookDelivery());
    this.due('replay', c.replayPerSec * dt, () => this.replay());
    this.due('revoked', c.revokedKeyPerSec * dt, () => this.attack(this.attackerRevoked));
    this.due('forged', c.forgedKeyPerSec * dt, () => this.attack(this.attackerForged[this.seq.attack % this.attackerForged.length]!));
  }

  private due(source: keyof Workload['credit'], add: number, fire: () => void): void {
    if (add <= 0) {
      this.credit[source] = 0;
      return;
    }
    this.credit[source] += add;
    while (this.credit[source] >= 1) {
      this.credit[source] -= 1;
      fire();
    }
  }

  /** The load balancer in front of payments-api: stable, or the canary for its share. */
  private paymentsPort(): number {
    const w = this.world;
    return this.rng() < w.conditions.canaryShare ? w.paymentsCanary.server.port : w.payments.server.port;
  }

  private checkoutCall(): void {
    const n = ++this.seq.checkout;
    const merchant = MERCHANTS[Math.floor(n / 2) % MERCHANTS.length]!;
    // Half the calls name the merchant in the path (upper-case IDs: what the canary's router breaks).
    const path = n % 2 === 0 ? `/v1/merchants/${merchant}/charges` : '/v1/charges';
    const body = JSON.stringify({ amount: 500 + (n % 97) * 25, currency: 'EUR', merchant, order: `ord_${n}` });
    const upgraded = this.rng() < this.world.conditions.upgradedShare;
    const request = this.world.checkout.prepare('POST', path, PAYMENTS_HOST, body, upgraded);
    const port = this.paymentsPort();
    this.dispatch('payments-api', port, request, (answer, request) => {
      if (answer.outcome !== 'accepted') return;
      this.captured.push({ port, request });
      if (this.captured.length > CAPTURE_SIZE) this.captured.shift();
    });
  }

  private billingCall(): void {
    const n = ++this.seq.billing;
    const path = n % 5 < 3 ? '/v1/refunds' : `/v1/subscriptions/sub_${n % 50}/invoices`;
    const body = JSON.stringify({ amount: 100 + (n % 31) * 10, currency: 'EUR', reference: `inv_${n}` });
    // Every (1/share)-th call, not a coin toss: even a short, sped-up phase shows the cause.
    const share = this.world.conditions.halfRotatedShare;
    const halfRotated = share > 0 && n % Math.max(1, Math.round(1 / share)) === 0;
    this.dispatch('payments-api', this.paymentsPort(), this.world.billing.prepare('POST', path, PAYMENTS_HOST, body, false, halfRotated));
  }

  private webhookDelivery(): void {
    const n = ++this.seq.webhooks;
    const event = { id: `evt_${n}`, type: EVENTS[n % EVENTS.length], created: Math.floor(Date.now() / 1000), data: { amount: 1000 + n, currency: 'EUR' } };
    // The acquirer pretty-prints some event types; the body is signed exactly as sent.
    const pretty = n % 2 === 0;
    const body = pretty ? JSON.stringify(event, null, 2) : JSON.stringify(event);
    const upgraded = this.rng() < this.world.conditions.upgradedShare;
    const rewrite = this.world.conditions.proxyRewritesBodies && pretty;
    const request = this.world.webhookSender
      .prepare('POST', '/webhooks/acquirer', WEBHOOKS_HOST, body, upgraded)
      // The edge proxy parses and re-serialises JSON: same data, different bytes (a digest mismatch).
      .then((signed) => (rewrite ? { ...signed, body: JSON.stringify(JSON.parse(signed.body)) } : signed));
    this.dispatch('webhook-receiver', this.world.webhooks.server.port, request);
  }

  private replay(): void {
    if (this.captured.length === 0) return;
    const pick = this.captured[Math.floor(this.rng() * this.captured.length)]!;
    this.dispatch('payments-api', pick.port, pick.request);
  }

  private attack(signer: HmacSigner): void {
    const n = ++this.seq.attack;
    const path = '/v1/payouts';
    const body = JSON.stringify({ amount: 990_000 + n, currency: 'EUR', destination: 'acct_attacker' });
    const headers: Record<string, string> = { host: PAYMENTS_HOST, 'content-type': 'application/json', 'x-client-id': '203.0.113.66' };
    const request = { method: 'POST', path, headers: { ...headers, ...signer({ method: 'POST', path, headers, body }) }, body };
    this.dispatch('payments-api', this.world.payments.server.port, request);
  }

  /** Sends one request and counts its answer (also used by the background noise, noise.ts). */
  dispatch(job: string, port: number, request: WireRequest | Promise<WireRequest>, then?: (answer: Answer, request: WireRequest) => void): void {
    const p = Promise.resolve(request).then(
      (wire) => {
        this.sent++;
        return send(port, wire).then(
          (answer) => {
            this.totals.response(job, answer.outcome, answer.reason);
            then?.(answer, wire);
          },
          () => {
            this.failedToSend++;
          },
        );
      },
      // Signing failed (the client's KMS): nothing is sent; the signer's metrics count it.
      () => {
        this.signingFailures++;
      },
    );
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }
}
