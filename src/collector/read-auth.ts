/**
 * Read authentication from the web config: `Authorization: Basic` checked against bcrypt hashes,
 * or `Authorization: Bearer` against SHA-256 digests. Like exporter-toolkit, a successful bcrypt
 * check is cached (keyed by a SHA-256 of user and password, never the password) so a scrape every
 * few seconds does not cost a bcrypt round each time. An unknown user is checked against a dummy
 * hash with the highest cost among the configured hashes, so with every user hashed at the same
 * cost (as `htpasswd -nBC <cost>` does) a wrong password takes as long for an unknown user as for a
 * known one: timing does not tell which user names exist. Users hashed at different costs can be
 * told apart by timing (the cheaper ones answer faster).
 */
import { timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { readAuthRequired, sha256, type WebConfig } from './web-config.js';

/** Salt and hash of a bcrypt hash of a random string: the dummy compared against for unknown users. */
const DUMMY_SALT_AND_HASH = 'GgLdp6G4EWJFdL5v1cQYj.qdDQSrbBgBi544lcm1iPIsHC1MZo.Mq';

/** The dummy hash at the highest cost of the configured hashes (bcrypt's work depends on the cost only). */
function dummyHash(hashes: Iterable<string>): string {
  let cost = 10;
  let first = true;
  for (const h of hashes) {
    const c = Number(h.slice(4, 6));
    cost = first ? c : Math.max(cost, c);
    first = false;
  }
  return `$2b$${String(cost).padStart(2, '0')}$${DUMMY_SALT_AND_HASH}`;
}
const CACHE_MAX = 1000;

export interface ReadAuth {
  readonly required: boolean;
  /** Undefined when allowed, else why not (never echoes the credential). */
  check(authorization: string | undefined): Promise<string | undefined>;
  /** The `WWW-Authenticate` challenge of a 401. */
  readonly challenge: string;
}

export function createReadAuth(web: WebConfig): ReadAuth {
  const required = readAuthRequired(web);
  const verified = new Map<string, true>();
  const dummy = dummyHash(web.basicUsers.values());
  async function basic(encoded: string): Promise<string | undefined> {
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return 'malformed basic credentials';
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const cacheKey = sha256(`${user}\0${password}`).toString('base64');
    if (verified.has(cacheKey)) return undefined;
    const hash = web.basicUsers.get(user);
    const ok = await bcrypt.compare(password, hash ?? dummy);
    if (!ok || hash === undefined) return 'basic credentials not accepted';
    if (verified.size >= CACHE_MAX) verified.clear();
    verified.set(cacheKey, true);
    return undefined;
  }
  return {
    required,
    challenge: web.basicUsers.size > 0 ? 'Basic realm="hmac-slo", charset="UTF-8"' : 'Bearer realm="hmac-slo"',
    async check(authorization) {
      if (!required) return undefined;
      const header = (authorization ?? '').trim();
      if (header === '') return 'credentials required';
      const space = header.indexOf(' ');
      const scheme = header.slice(0, space < 0 ? header.length : space).toLowerCase();
      const value = space < 0 ? '' : header.slice(space + 1).trim();
      if (scheme === 'basic' && web.basicUsers.size > 0) return basic(value);
      if (scheme === 'bearer' && web.bearerDigests.length > 0) {
        const got = sha256(value);
        return web.bearerDigests.some((d) => timingSafeEqual(d, got)) ? undefined : 'bearer token not accepted';
      }
      return 'credentials not accepted';
    },
  };
}
