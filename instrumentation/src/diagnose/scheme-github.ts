/**
 * GitHub, `@octokit/webhooks-methods` `verify(secret, payload, signature)`: HMAC-SHA256 of the payload
 * with the secret's UTF-8 bytes, presented as `sha256=<hex>` (`X-Hub-Signature-256`). Worked out on
 * first use, like Stripe's.
 */
import { createHmac } from 'node:crypto';
import { bodyBytes, oneOf, secretBytes, type DiagnosisSubject } from './subject.js';

export function githubSubject(args: readonly unknown[]): DiagnosisSubject | undefined {
  const [rawSecret, payload, signature] = args;
  let body: Buffer | undefined;
  let secret: Buffer | undefined;
  const configured = () => (secret ??= secretBytes(rawSecret));
  const matches = (key: Uint8Array | undefined, bytes: Uint8Array | undefined): boolean => {
    if (typeof signature !== 'string' || !signature.startsWith('sha256=') || key === undefined || bytes === undefined) return false;
    return oneOf('sha256=' + createHmac('sha256', key).update(bytes).digest('hex'), [signature]);
  };
  return {
    body: payload,
    get secret() {
      return configured();
    },
    bodyMatches: (candidate) => matches(configured(), candidate),
    secretMatches: (key) => matches(key, (body ??= bodyBytes(payload))),
  };
}
