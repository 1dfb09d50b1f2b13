/**
 * Stripe, `constructEvent(payload, header, secret)`: the signed input is `${t}.${payload}`,
 * HMAC-SHA256 with the secret's UTF-8 bytes, hex, presented as `v1=` entries of `Stripe-Signature`.
 */
import { createHmac } from 'node:crypto';
import { bodyBytes, oneOf, secretBytes, type DiagnosisSubject } from './subject.js';

export function stripeSubject(args: readonly unknown[]): DiagnosisSubject | undefined {
  const [payload, rawHeader, rawSecret] = args;
  const header = Buffer.isBuffer(rawHeader) ? rawHeader.toString('utf8') : rawHeader;
  if (typeof header !== 'string') return { body: payload };
  let t: string | undefined;
  const signatures: string[] = [];
  for (const item of header.split(',')) {
    const [k, v] = item.split('=');
    if (k === 't') t = v;
    else if (k === 'v1' && v !== undefined) signatures.push(v);
  }
  const secret = secretBytes(rawSecret);
  const body = bodyBytes(payload);
  if (t === undefined || signatures.length === 0) return { body: payload };
  const prefix = Buffer.from(`${t}.`, 'utf8');
  const mac = (key: Uint8Array, bytes: Uint8Array) => createHmac('sha256', key).update(prefix).update(bytes).digest('hex');
  return {
    body: payload,
    secret,
    bodyMatches: secret === undefined ? undefined : (candidate) => oneOf(mac(secret, candidate), signatures),
    secretMatches: body === undefined ? undefined : (key) => oneOf(mac(key, body), signatures),
  };
}
