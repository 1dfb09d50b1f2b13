/**
 * The Express app the road tests run: a Stripe webhook endpoint verified by the real `stripe` SDK,
 * wrapped by `instrumentVerifier` and mounted with `hmacAuth`, as docs/wrapping-verifiers.md shows;
 * plus `sendStripe`, a client that signs (or mis-signs) deliveries the way Stripe does.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type Express } from 'express';
import Stripe from 'stripe';
import { hmacAuth, instrumentVerifier } from '@hmac-slo/instrumentation';

export const STRIPE_ENDPOINT_SECRET = 'whsec_roads_test_endpoint_secret';
const stripe = new Stripe('sk_test_roads_unused');

export function stripeApp(): Express {
  const constructEvent = instrumentVerifier(stripe.webhooks.constructEvent.bind(stripe.webhooks), {
    scheme: 'stripe',
    timestamp: (_payload, header) => /(?:^|,)t=(\d+)/.exec(String(header ?? ''))?.[1],
  });
  const app = express();
  app.post(
    '/stripe',
    hmacAuth({ verifier: ({ body, headers }) => constructEvent(body, String(headers['stripe-signature'] ?? ''), STRIPE_ENDPOINT_SECRET) }),
    (_req, res) => void res.json({ received: true }),
  );
  return app;
}

/** Listen on a loopback port the OS picks. */
export async function listen(app: Express): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, server, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** One delivery: correctly signed, signed with the wrong secret (signature_mismatch), or unsigned (missing_signature). */
export async function sendStripe(url: string, kind: 'valid' | 'wrong-secret' | 'unsigned'): Promise<number> {
  // Stripe sends pretty-printed JSON; the signature covers these exact bytes.
  const payload = JSON.stringify({ id: 'evt_roads', object: 'event', type: 'ping' }, null, 2);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (kind !== 'unsigned') {
    headers['stripe-signature'] = stripe.webhooks.generateTestHeaderString({ payload, secret: kind === 'valid' ? STRIPE_ENDPOINT_SECRET : 'whsec_wrong' });
  }
  const res = await fetch(`${url}/stripe`, { method: 'POST', headers, body: payload });
  await res.arrayBuffer();
  return res.status;
}
