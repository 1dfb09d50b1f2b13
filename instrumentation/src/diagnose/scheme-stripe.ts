/**
 * Stripe, `constructEvent(payload, header, secret)`: the signed input is `${t}.${payload}`,
 * HMAC-SHA256 with the secret's UTF-8 bytes, hex, presented as `v1=` entries of `Stripe-Signature`.
 * Everything is worked out on first use: a failure the budget skips costs an object, no parsing.
 */
import { createHmac } from 'node:crypto';
import { macSubject, oneOf, type DiagnosisSubject } from './subject.js';

function parseHeader(rawHeader: unknown): { prefix: Buffer; signatures: string[] } | undefined {
  const header = Buffer.isBuffer(rawHeader) ? rawHeader.toString('utf8') : rawHeader;
  if (typeof header !== 'string') return undefined;
  let t: string | undefined;
  const signatures: string[] = [];
  for (const item of header.split(',')) {
    const [k, v] = item.split('=');
    if (k === 't') t = v;
    else if (k === 'v1' && v !== undefined) signatures.push(v);
  }
  return t === undefined || signatures.length === 0 ? undefined : { prefix: Buffer.from(`${t}.`, 'utf8'), signatures };
}

export function stripeSubject(args: readonly unknown[]): DiagnosisSubject | undefined {
  const [payload, rawHeader, rawSecret] = args;
  let parsed: ReturnType<typeof parseHeader> | null = null;
  return macSubject(payload, rawSecret, (key, bytes) => {
    if (parsed === null) parsed = parseHeader(rawHeader);
    if (parsed === undefined || key === undefined || bytes === undefined) return false;
    return oneOf(createHmac('sha256', key).update(parsed.prefix).update(bytes).digest('hex'), parsed.signatures);
  });
}
