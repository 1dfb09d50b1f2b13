/**
 * Opt-in component digests for the reference scheme (signer option `componentDigests: true`):
 *
 *   x-hmac-components: m=<8 hex>,p=<8 hex>,q=<8 hex>,h=<8 hex>.<8 hex>…,t=<8 hex>,s=<16 hex>
 *
 * the first 8 hex characters of SHA-256 of each canonical component — method, path, canonical
 * query, each signed header line (`name:value`, in the Authorization header's order), timestamp —
 * and `s`, a MAC of that list with the signing key (domain-separated from the signature). The
 * component digests cover only what travels in clear; on a `signature_mismatch` the verifier names
 * the component a proxy changed only when `s` verifies with the configured key: without it a forger
 * could paint any `*_changed` cause on the dashboard with forged requests. When `s` does not verify
 * and every component matches, the sender's key differs (`secret_differs`); otherwise undiagnosed.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { FailureCause } from '../contract.js';
import { canonicalHeaderValue, canonicalQuery, splitTarget, type CanonicalInput } from './canonical.js';

export const COMPONENTS_HEADER = 'x-hmac-components';

/** The canonical string's parts that travel in clear (not the nonce, not the body digest). */
export type ComponentInput = Pick<CanonicalInput, 'method' | 'path' | 'signedHeaders' | 'timestamp'>;

const short = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex').slice(0, 8);

function digestList(input: ComponentInput): string {
  const { path, query } = splitTarget(input.path);
  const headers = input.signedHeaders.map(([n, v]) => short(`${n.toLowerCase()}:${canonicalHeaderValue(v)}`)).join('.');
  return `m=${short(input.method.toUpperCase())},p=${short(path)},q=${short(canonicalQuery(query))},h=${headers},t=${short(String(input.timestamp))}`;
}

// Domain-separated from the canonical string (which starts with the method), so `s` is never a signature.
const listMac = (secret: Uint8Array, list: string) => createHmac('sha256', secret).update(`${COMPONENTS_HEADER}\n${list}`, 'utf8').digest('hex').slice(0, 16);

export function componentDigests(input: ComponentInput, secret: Uint8Array): string {
  const list = digestList(input);
  return `${list},s=${listMac(secret, list)}`;
}

const ORDER: ReadonlyArray<readonly [key: string, cause: FailureCause]> = [
  ['m', 'method_changed'],
  ['p', 'path_changed'],
  ['q', 'query_changed'],
  ['h', 'header_changed'],
  ['t', 'timestamp_changed'],
];

function parse(value: string): Map<string, string> {
  return new Map(value.split(',').map((part) => [part.slice(0, part.indexOf('=')).trim(), part.slice(part.indexOf('=') + 1).trim()]));
}

/**
 * With `s` verifying under `secret`: the first component whose digest differs (undefined when none
 * does: the nonce or the body digest header changed). Otherwise `secret_differs` when every component
 * matches, undefined when one differs (a forger's claim) or the header is malformed.
 */
export function compareComponents(presented: string, mine: ComponentInput, secret: Uint8Array | undefined): FailureCause | undefined {
  const cut = presented.lastIndexOf(',s=');
  if (cut < 0) return undefined;
  const list = presented.slice(0, cut);
  const theirs = parse(list);
  const ours = parse(digestList(mine));
  if (ORDER.some(([k]) => !theirs.has(k))) return undefined;
  const changed = ORDER.find(([k]) => theirs.get(k) !== ours.get(k))?.[1];
  const mac = Buffer.from(presented.slice(cut + 3).trim());
  const expected = secret === undefined ? undefined : Buffer.from(listMac(secret, list));
  const authentic = expected !== undefined && mac.length === expected.length && timingSafeEqual(mac, expected);
  if (authentic) return changed;
  return changed === undefined ? 'secret_differs' : undefined;
}
