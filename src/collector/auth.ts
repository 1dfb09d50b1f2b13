/**
 * Ingestion credentials (`collector.auth`): bearer tokens read from environment variables, and
 * HMAC-signed pushes checked with the project's own reference verifier (the collector eats its own
 * dog food). With neither configured, ingestion is open (the default listen address is loopback).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { createHmacVerifier, createKeyRing, type HmacVerifier } from '@hmac-slo/instrumentation';
import type { HmacSloConfig } from '../config/schema.js';

export class AuthConfigError extends Error {}

export interface PushAuth {
  readonly required: boolean;
  /** Undefined when allowed, else the reason for the 401 (never echoes the credential). */
  check(req: IncomingMessage, body: Buffer): string | undefined;
}

const digest = (s: string | Buffer) => createHash('sha256').update(s).digest();

export function createPushAuth(config: HmacSloConfig['collector']['auth'], env: NodeJS.ProcessEnv = process.env): PushAuth {
  const tokens = config.bearerTokenEnv.map((name) => {
    const v = env[name];
    if (!v) throw new AuthConfigError(`collector.auth.bearerTokenEnv: environment variable ${name} is not set`);
    return digest(v);
  });
  let verifier: HmacVerifier | undefined;
  if (config.hmacKeys.length > 0) {
    const keys = config.hmacKeys.map((k) => {
      const secret = env[k.secretEnv];
      if (!secret) throw new AuthConfigError(`collector.auth.hmacKeys: environment variable ${k.secretEnv} (key ${k.id}) is not set`);
      return { id: k.id, secret };
    });
    verifier = createHmacVerifier({ keyRing: createKeyRing(keys) });
  }
  const required = tokens.length > 0 || verifier !== undefined;
  return {
    required,
    check(req, body) {
      if (!required) return undefined;
      const header = req.headers.authorization ?? '';
      if (tokens.length > 0 && /^bearer /i.test(header)) {
        const got = digest(header.slice(7).trim());
        return tokens.some((t) => timingSafeEqual(t, got)) ? undefined : 'bearer token not accepted';
      }
      if (verifier) {
        try {
          verifier({ method: req.method ?? 'POST', path: req.url ?? '/', headers: req.headers as Record<string, string>, body });
          return undefined;
        } catch (err) {
          const reason = (err as { reason?: string }).reason;
          return `HMAC signature not accepted${reason ? ` (${reason})` : ''}`;
        }
      }
      return header === '' ? 'credentials required' : 'credentials not accepted';
    },
  };
}
