/**
 * GitHub, `@octokit/webhooks-methods` `verify(secret, payload, signature)`: HMAC-SHA256 of the payload
 * with the secret's UTF-8 bytes, presented as `sha256=<hex>` (`X-Hub-Signature-256`).
 */
import { createHmac } from 'node:crypto';
import { bodyBytes, oneOf, secretBytes, type DiagnosisSubject } from './subject.js';

export function githubSubject(args: readonly unknown[]): DiagnosisSubject | undefined {
  const [rawSecret, payload, signature] = args;
  if (typeof signature !== 'string' || !signature.startsWith('sha256=')) return { body: payload };
  const presented = [signature];
  const secret = secretBytes(rawSecret);
  const body = bodyBytes(payload);
  const mac = (key: Uint8Array, bytes: Uint8Array) => 'sha256=' + createHmac('sha256', key).update(bytes).digest('hex');
  return {
    body: payload,
    secret,
    bodyMatches: secret === undefined ? undefined : (candidate) => oneOf(mac(secret, candidate), presented),
    secretMatches: body === undefined ? undefined : (key) => oneOf(mac(key, body), presented),
  };
}
