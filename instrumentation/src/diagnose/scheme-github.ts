/**
 * GitHub, `@octokit/webhooks-methods` `verify(secret, payload, signature)`: HMAC-SHA256 of the payload
 * with the secret's UTF-8 bytes, presented as `sha256=<hex>` (`X-Hub-Signature-256`). Worked out on
 * first use, like Stripe's.
 */
import { createHmac } from 'node:crypto';
import { macSubject, oneOf, type DiagnosisSubject } from './subject.js';

export function githubSubject(args: readonly unknown[]): DiagnosisSubject | undefined {
  const [rawSecret, payload, signature] = args;
  return macSubject(payload, rawSecret, (key, bytes) => {
    if (typeof signature !== 'string' || !signature.startsWith('sha256=') || key === undefined || bytes === undefined) return false;
    return oneOf('sha256=' + createHmac('sha256', key).update(bytes).digest('hex'), [signature]);
  });
}
