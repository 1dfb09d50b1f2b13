/**
 * Opt-in component digests for the reference scheme (signer option `componentDigests: true`):
 *
 *   x-hmac-components: m=<8 hex>,p=<8 hex>,q=<8 hex>,h=<8 hex>.<8 hex>…,t=<8 hex>
 *
 * the first 8 hex characters of SHA-256 of each canonical component — method, path, canonical
 * query, each signed header line (`name:value`, in the Authorization header's order), timestamp.
 * They cover only what travels in clear; on a `signature_mismatch` the verifier compares its own and
 * names the component a proxy changed, or `secret_differs` when every one matches. Not covered by the
 * signature: a forger can make a forged request's diagnosis say anything, nothing more.
 */
import { createHash } from 'node:crypto';
import type { FailureCause } from '../contract.js';
import { canonicalHeaderValue, canonicalQuery, splitTarget, type CanonicalInput } from './canonical.js';

export const COMPONENTS_HEADER = 'x-hmac-components';

/** The canonical string's parts that travel in clear (not the nonce, not the body digest). */
export type ComponentInput = Pick<CanonicalInput, 'method' | 'path' | 'signedHeaders' | 'timestamp'>;

const short = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex').slice(0, 8);

export function componentDigests(input: ComponentInput): string {
  const { path, query } = splitTarget(input.path);
  const headers = input.signedHeaders.map(([n, v]) => short(`${n.toLowerCase()}:${canonicalHeaderValue(v)}`)).join('.');
  return `m=${short(input.method.toUpperCase())},p=${short(path)},q=${short(canonicalQuery(query))},h=${headers},t=${short(String(input.timestamp))}`;
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

/** The first component whose digest differs, `secret_differs` when none does, undefined for a malformed header. */
export function compareComponents(presented: string, mine: ComponentInput): FailureCause | undefined {
  const theirs = parse(presented);
  const ours = parse(componentDigests(mine));
  if (ORDER.some(([k]) => !theirs.has(k))) return undefined;
  for (const [k, cause] of ORDER) if (theirs.get(k) !== ours.get(k)) return cause;
  return 'secret_differs';
}
