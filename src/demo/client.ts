/**
 * The calling side: services that sign their requests with the reference signer, wrapped by
 * `instrumentSigner` (hmac.auth.signings), and send them over loopback HTTP with a keep-alive agent.
 *
 * Each client keeps its own clock (`clockOffsetSec`, for clock skew) and its own key, which the key rotation
 * moves (a rotation gap when it lags); a client may keep that key in a KMS-backed store, and then fails to sign while the KMS
 * fails (rate-limited signing). `upgradedShare` is the share of its instances running the new version of the shared
 * signed-HTTP library, which adds `; charset=utf-8` to Content-Type after signing (a signature mismatch).
 */
import { Agent, request as httpRequest } from 'node:http';
import {
  createHmacSigner,
  HmacAuthError,
  instrumentSigner,
  isFailureReason,
  outcomeOf,
  type HmacRequest,
  type HmacSigner,
  type SignatureHeaders,
} from '@hmac-slo/instrumentation';
import type { KmsKeyStore } from './keystore.js';
import type { ServiceTelemetry } from './telemetry.js';
import { SCHEME } from './services/payments-api.js';

/** A request as it goes on the wire (after signing). */
export interface WireRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** What the receiving service answered, as the client understood it. */
export interface Answer {
  readonly status: number;
  readonly outcome: 'accepted' | 'rejected' | 'error';
  /** `error.type` from the answer body; undefined when accepted. */
  readonly reason: string | undefined;
}

const agent = new Agent({ keepAlive: true, maxSockets: 32 });

/** Sends one request to a loopback port; resolves with the answer (never rejects for HTTP statuses). */
export function send(port: number, req: WireRequest): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const r = httpRequest(
      { host: '127.0.0.1', port, method: req.method, path: req.path, headers: { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) }, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status === 200) return resolve({ status, outcome: 'accepted', reason: undefined });
          let reason = 'internal_error';
          try {
            const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { error?: unknown };
            if (isFailureReason(parsed.error)) reason = parsed.error;
          } catch {
            // not the middleware's answer: counted as internal_error
          }
          resolve({ status, outcome: isFailureReason(reason) ? outcomeOf(reason) : 'error', reason });
        });
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end(req.body);
  });
}

export function destroyAgent(): void {
  agent.destroy();
}

export interface SignedClientOptions {
  readonly telemetry: ServiceTelemetry;
  /** Header names the receiving side requires to be signed (besides what it always signs). */
  readonly signedHeaders: readonly string[];
  readonly keyId: string;
  readonly secret: Uint8Array;
  /**
   * Where the signing key lives. Without one the secret is in the client's memory; with a KMS-backed
   * store (billing-worker, a serverless job) it is unwrapped through the KMS when its cache expires,
   * so a throttled or unavailable KMS makes signing itself fail.
   */
  readonly keyStore?: KmsKeyStore;
}

type AsyncSigner = (request: HmacRequest) => SignatureHeaders | Promise<SignatureHeaders>;

export class SignedClient {
  /** Seconds this client's clock runs ahead of real time (clock skew). */
  clockOffsetSec = 0;
  private signFn!: AsyncSigner;
  private currentKeyId!: string;
  /** The half-applied rotation's signer: the new key ID with the old secret (see `halfRotate`). */
  private staleSignFn: AsyncSigner | undefined;

  constructor(private readonly options: SignedClientOptions) {
    this.useKey(options.keyId, options.secret);
  }

  get name(): string {
    return this.options.telemetry.identity.name;
  }

  get keyId(): string {
    return this.currentKeyId;
  }

  /** Some instances name `keyId` but still sign with `staleSecret` (the rotation-lag scenario). */
  halfRotate(keyId: string, staleSecret: Uint8Array): void {
    const { meterProvider, tracerProvider } = this.options.telemetry;
    const sign = createHmacSigner({ keyId, secret: staleSecret, headers: this.options.signedHeaders, componentDigests: true, clock: () => Date.now() + this.clockOffsetSec * 1000 });
    this.staleSignFn = instrumentSigner(sign, { scheme: SCHEME, keyId: () => keyId, knownKeyIds: [keyId], meterProvider, tracerProvider });
  }

  /** Switches to another key (a rotation reaching this client). */
  useKey(keyId: string, secret: Uint8Array): void {
    const { meterProvider, tracerProvider } = this.options.telemetry;
    this.currentKeyId = keyId;
    const signerFor = (s: Uint8Array) =>
      createHmacSigner({ keyId, secret: s, headers: this.options.signedHeaders, componentDigests: true, clock: () => Date.now() + this.clockOffsetSec * 1000 });
    let sign: AsyncSigner;
    const store = this.options.keyStore;
    if (store === undefined) {
      sign = signerFor(secret);
    } else {
      if (!store.has(keyId)) store.add(keyId, secret, 'active', Date.now());
      let cached: { secret: Uint8Array; signer: HmacSigner } | undefined;
      const signWith = (request: HmacRequest): SignatureHeaders => {
        const current = store.lookup(keyId)?.secret;
        if (current === undefined) throw new HmacAuthError('internal_error', 'signing key not available');
        if (cached?.secret !== current) cached = { secret: current, signer: signerFor(current) };
        return cached.signer(request);
      };
      sign = (request) => (store.needsFetch(keyId) ? store.load(keyId).then(() => signWith(request)) : signWith(request));
    }
    this.staleSignFn = undefined;
    this.signFn = instrumentSigner(sign, { scheme: SCHEME, keyId: () => keyId, knownKeyIds: [keyId], meterProvider, tracerProvider });
  }

  /**
   * Signs and returns the request as it goes on the wire; rejects when signing fails. `upgraded` =
   * sent by an instance running the new library version that rewrites Content-Type after signing;
   * `halfRotated` = by an instance of a half-applied rotation (`halfRotate`).
   */
  async prepare(method: string, path: string, host: string, body: string, upgraded = false, halfRotated = false): Promise<WireRequest> {
    const headers: Record<string, string> = { host, 'content-type': 'application/json', 'x-client-id': this.name };
    const sign = (halfRotated ? this.staleSignFn : undefined) ?? this.signFn;
    const signature = await sign({ method, path, headers, body });
    const wire: Record<string, string> = { ...headers, ...signature };
    if (upgraded) wire['content-type'] = 'application/json; charset=utf-8';
    return { method, path, headers: wire, body };
  }
}
