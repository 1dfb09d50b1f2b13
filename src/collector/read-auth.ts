/**
 * Read authentication from the web config: `Authorization: Basic` checked against bcrypt hashes,
 * or `Authorization: Bearer` against SHA-256 digests. Like exporter-toolkit, a successful bcrypt
 * check is cached (keyed by a SHA-256 of user and password, never the password) so a scrape every
 * few seconds does not cost a bcrypt round each time; an unknown user costs a bcrypt round too, so
 * timing does not tell which user names exist.
 */
import { timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { sha256, type WebConfig } from './web-config.js';

/** A bcrypt hash of a random string, compared against when the user is unknown (same cost as a real check). */
const DUMMY_HASH = '$2b$10$GgLdp6G4EWJFdL5v1cQYj.qdDQSrbBgBi544lcm1iPIsHC1MZo.Mq';
const CACHE_MAX = 1000;

export interface ReadAuth {
  readonly required: boolean;
  /** Undefined when allowed, else why not (never echoes the credential). */
  check(authorization: string | undefined): Promise<string | undefined>;
  /** The `WWW-Authenticate` challenge of a 401. */
  readonly challenge: string;
}

export function createReadAuth(web: WebConfig): ReadAuth {
  const required = web.basicUsers.size > 0 || web.bearerDigests.length > 0;
  const verified = new Map<string, true>();
  async function basic(encoded: string): Promise<string | undefined> {
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return 'malformed basic credentials';
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const cacheKey = sha256(`${user}\0${password}`).toString('base64');
    if (verified.has(cacheKey)) return undefined;
    const hash = web.basicUsers.get(user);
    const ok = await bcrypt.compare(password, hash ?? DUMMY_HASH);
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
