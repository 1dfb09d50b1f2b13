/**
 * The web config (`--web.config.file`, or `collector.webConfigFile`): TLS and read authentication
 * for every endpoint, in the file format of prometheus/exporter-toolkit (`tls_server_config`,
 * `basic_auth_users` with bcrypt hashes) plus two hmac-slo additions (`bearer_tokens`,
 * `health_endpoints_open`). Read once at start; documented in docs/collector.md.
 */
import { createHash, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { createSecureContext, type TlsOptions } from 'node:tls';

export class WebConfigError extends Error {}

/** exporter-toolkit's `client_auth_type` values (Go's tls.ClientAuthType names). */
export const CLIENT_AUTH_TYPES = ['NoClientCert', 'RequestClientCert', 'RequireAnyClientCert', 'VerifyClientCertIfGiven', 'RequireAndVerifyClientCert'] as const;
export type ClientAuthType = (typeof CLIENT_AUTH_TYPES)[number];

const TLS_VERSIONS = { TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' } as const;

const BCRYPT = /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/;

export const webConfigSchema = z.strictObject({
  tls_server_config: z
    .strictObject({
      cert_file: z.string().min(1),
      key_file: z.string().min(1),
      client_auth_type: z.enum(CLIENT_AUTH_TYPES).default('NoClientCert'),
      client_ca_file: z.string().min(1).optional(),
      /** TLS 1.0 and 1.1 are not offered (Node's minimum is 1.2 already). */
      min_version: z.enum(['TLS12', 'TLS13']).default('TLS12'),
    })
    .optional(),
  /** user → bcrypt hash (`htpasswd -nBC 10 user`), as in exporter-toolkit. */
  basic_auth_users: z.record(z.string().min(1).regex(/^[^:]*$/, 'a user name cannot contain ":"'), z.string().regex(BCRYPT, 'expected a bcrypt hash ($2a$, $2b$ or $2y$)')).default({}),
  /** hmac-slo addition: bearer tokens, each given as its SHA-256 (hex) or read from an environment variable. */
  bearer_tokens: z
    .array(z.union([z.strictObject({ sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lower-case hex digits') }), z.strictObject({ env: z.string().min(1) })]))
    .default([]),
  /** hmac-slo addition: /healthz and /readyz answer without credentials (they carry no data; TLS still applies). */
  health_endpoints_open: z.boolean().default(true),
});

export type WebConfigFile = z.infer<typeof webConfigSchema>;

export interface WebConfig {
  /** Options for `https.createServer`; undefined = plain HTTP. */
  readonly tls?: TlsOptions;
  readonly clientAuth: ClientAuthType;
  readonly basicUsers: ReadonlyMap<string, string>;
  /** SHA-256 digests of the accepted read bearer tokens. */
  readonly bearerDigests: readonly Buffer[];
  readonly healthOpen: boolean;
}

/** No TLS, no read authentication: what the collector does without a web config. */
export const OPEN_WEB_CONFIG: WebConfig = { clientAuth: 'NoClientCert', basicUsers: new Map(), bearerDigests: [], healthOpen: true };

/** Reads need credentials: the web config names basic users or bearer tokens. */
export function readAuthRequired(c: WebConfig): boolean {
  return c.basicUsers.size > 0 || c.bearerDigests.length > 0;
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new WebConfigError(`${what} ${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

export function loadWebConfig(file: string, env: NodeJS.ProcessEnv = process.env): WebConfig {
  const doc = parseDocument(readText(file, 'web config'), { uniqueKeys: true });
  if (doc.errors.length > 0) throw new WebConfigError(`${file}: invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  const result = webConfigSchema.safeParse(doc.toJS() ?? {});
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new WebConfigError(`${file}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
  }
  const raw = result.data;
  // Like exporter-toolkit: relative paths are relative to the web config file.
  const path = (p: string) => resolve(dirname(file), p);
  let tls: TlsOptions | undefined;
  const t = raw.tls_server_config;
  if (t) {
    const verifies = t.client_auth_type === 'VerifyClientCertIfGiven' || t.client_auth_type === 'RequireAndVerifyClientCert';
    if (verifies && !t.client_ca_file) throw new WebConfigError(`${file}: tls_server_config.client_ca_file: required by client_auth_type ${t.client_auth_type}`);
    const cert = readText(path(t.cert_file), 'tls_server_config.cert_file');
    const key = readText(path(t.key_file), 'tls_server_config.key_file');
    const ca = t.client_ca_file ? readText(path(t.client_ca_file), 'tls_server_config.client_ca_file') : undefined;
    checkTlsMaterial(file, { cert, key, ca }, { cert: path(t.cert_file), key: path(t.key_file), ca: t.client_ca_file && path(t.client_ca_file) });
    tls = {
      cert,
      key,
      ...(ca !== undefined ? { ca } : {}),
      minVersion: TLS_VERSIONS[t.min_version],
      requestCert: t.client_auth_type !== 'NoClientCert',
      // Only this mode lets the handshake itself refuse; the others are checked per connection (web-listener.ts).
      rejectUnauthorized: t.client_auth_type === 'RequireAndVerifyClientCert',
    };
  }
  const bearerDigests = raw.bearer_tokens.map((b, i) => {
    if ('sha256' in b) return Buffer.from(b.sha256, 'hex');
    const v = env[b.env];
    if (!v) throw new WebConfigError(`${file}: bearer_tokens[${i}].env: environment variable ${b.env} is not set`);
    return sha256(v);
  });
  return {
    ...(tls ? { tls } : {}),
    clientAuth: t?.client_auth_type ?? 'NoClientCert',
    basicUsers: new Map(Object.entries(raw.basic_auth_users)),
    bearerDigests,
    healthOpen: raw.health_endpoints_open,
  };
}

export const sha256 = (s: string): Buffer => createHash('sha256').update(s).digest();

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * The TLS files checked at start, so that a wrong one stops the start naming the web config and the
 * field, instead of a server that starts and then refuses every client (a client CA that is no
 * certificate) or an error that names no file (`key values mismatch`).
 */
function checkTlsMaterial(file: string, pem: { cert: string; key: string; ca?: string }, paths: { cert: string; key: string; ca?: string }): void {
  const fail = (field: string, at: string, problem: string) => new WebConfigError(`${file}: tls_server_config.${field} (${at}): ${problem}`);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem.cert);
  } catch {
    throw fail('cert_file', paths.cert, 'not a PEM certificate');
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem.key);
  } catch {
    throw fail('key_file', paths.key, 'not a PEM private key (encrypted keys are not supported)');
  }
  if (!cert.checkPrivateKey(key)) throw fail('key_file', paths.key, `is not the private key of cert_file ${paths.cert}`);
  if (pem.ca !== undefined) {
    const blocks = pem.ca.match(PEM_CERTIFICATE) ?? [];
    if (blocks.length === 0) throw fail('client_ca_file', paths.ca!, 'holds no PEM certificate');
    blocks.forEach((block, i) => {
      try {
        new X509Certificate(block);
      } catch {
        throw fail('client_ca_file', paths.ca!, `certificate ${i + 1} does not parse`);
      }
    });
  }
  try {
    createSecureContext({ cert: pem.cert, key: pem.key, ...(pem.ca !== undefined ? { ca: pem.ca } : {}) });
  } catch (err) {
    throw new WebConfigError(`${file}: tls_server_config: ${(err as Error).message}`);
  }
}
