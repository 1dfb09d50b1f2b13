/**
 * Standard Webhooks and Svix, `new Webhook(secret).verify(payload, headers)`: the signed input is
 * `${id}.${timestamp}.${payload}`, HMAC-SHA256 with the base64-decoded secret (after `whsec_`),
 * base64, presented as space-separated `v1,<sig>` entries; headers `webhook-*` or `svix-*`.
 *
 * The key lives inside the `Webhook` object, which a bound `wh.verify.bind(wh)` hides. With
 * `diagnose.secret` the wrapper computes the MACs itself. Without it, body causes are checked by calling
 * the library's own `verify` again on the candidate body — only when the wrapped function is that
 * method (named `verify`, bound or not): it keeps no state, so a second call changes nothing.
 */
import { createHmac } from 'node:crypto';
import { bodyBytes, oneOf, type DiagnosisSubject } from './subject.js';

const PREFIX = 'whsec_';

/** The key bytes a Standard Webhooks `Webhook` derives from its secret string. */
export function standardWebhooksKey(secret: string | Uint8Array | undefined): Uint8Array | undefined {
  if (secret instanceof Uint8Array) return secret;
  if (typeof secret !== 'string' || secret === '') return undefined;
  return Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
}

function headerOf(headers: unknown, names: readonly string[]): string | undefined {
  if (headers === null || typeof headers !== 'object') return undefined;
  const bag = headers as Record<string, unknown>;
  for (const key of Object.keys(bag)) {
    if (names.includes(key.toLowerCase())) {
      const v = bag[key];
      if (typeof v === 'string') return v;
    }
  }
  return undefined;
}

export function standardWebhooksSubject(
  args: readonly unknown[],
  key: Uint8Array | undefined,
  verify: (...args: unknown[]) => unknown,
): DiagnosisSubject | undefined {
  const [payload, headers] = args;
  // Worked out on first use: a failure the budget skips costs an object, no parsing.
  let signed: { prefix: Buffer; presented: string[] } | undefined | null = null;
  const parse = () => {
    const id = headerOf(headers, ['svix-id', 'webhook-id']);
    const ts = headerOf(headers, ['svix-timestamp', 'webhook-timestamp']);
    const sig = headerOf(headers, ['svix-signature', 'webhook-signature']);
    if (id === undefined || ts === undefined || sig === undefined) return undefined;
    const presented = sig.split(' ').flatMap((entry) => {
      const [version, value] = entry.split(',');
      return version === 'v1' && value !== undefined ? [value] : [];
    });
    return { prefix: Buffer.from(`${id}.${Number.parseInt(ts, 10)}.`, 'utf8'), presented };
  };
  const matches = (k: Uint8Array, bytes: Uint8Array | undefined): boolean => {
    if (signed === null) signed = parse();
    if (signed === undefined || bytes === undefined) return false;
    return oneOf(createHmac('sha256', k).update(signed.prefix).update(bytes).digest('base64'), signed.presented);
  };
  let body: Buffer | undefined;
  const recall = /^(bound )?verify$/.test(verify.name)
    ? (candidate: Uint8Array) => {
        try {
          verify(Buffer.from(candidate), headers);
          return true;
        } catch {
          return false;
        }
      }
    : undefined;
  return {
    body: payload,
    secret: key,
    bodyMatches: key !== undefined ? (candidate) => matches(key, candidate) : recall,
    secretMatches: (k) => matches(k, (body ??= bodyBytes(payload))),
  };
}
