/**
 * SimulatedKms — a SIMULATION of a cloud KMS, not a client for a real one. It exists so the demo
 * can inject a KMS slowdown, throttling or outage on demand.
 *
 * It behaves like the AWS KMS API as far as the payments-api's key store can tell: `decrypt`
 * unwraps a data key encrypted under a master key the KMS never hands out (AES-256-GCM here),
 * answers after a log-normally distributed latency, and fails with errors shaped like the AWS SDK
 * v3 ones (`ThrottlingException`, `KMSInternalException`/`ServiceUnavailableException`,
 * `$metadata.httpStatusCode`, and a client-side `TimeoutError`), so the instrumentation's
 * `classifyKmsError` sees what it would see in production.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { createRng, logNormal, type Rng } from './rng.js';

/** What the simulated KMS does right now. Latencies in milliseconds (measured values: never time-scaled). */
export interface KmsProfile {
  readonly latencyMedianMs: number;
  readonly latencyP95Ms: number;
  /** Share of calls refused with ThrottlingException (HTTP 400, as AWS KMS answers). */
  readonly throttleRate: number;
  /** Share of calls failing with a 503 (KMS down). */
  readonly unavailableRate: number;
  /** Share of calls that hang until the caller's timeout. */
  readonly hangRate: number;
}

export const KMS_HEALTHY: KmsProfile = { latencyMedianMs: 3, latencyP95Ms: 9, throttleRate: 0, unavailableRate: 0, hangRate: 0 };

/** An error shaped like an AWS SDK v3 service exception. Its message never carries key material. */
export class SimulatedKmsError extends Error {
  readonly $fault: 'client' | 'server';
  readonly $metadata: { httpStatusCode: number };
  constructor(name: string, status: number, message: string) {
    super(message);
    this.name = name;
    this.$fault = status >= 500 ? 'server' : 'client';
    this.$metadata = { httpStatusCode: status };
  }
}

export interface DecryptInput {
  readonly CiphertextBlob: Buffer;
  /** The caller's request timeout (AWS SDK `requestTimeout`); a slower answer becomes TimeoutError. */
  readonly timeoutMs?: number;
}

export interface SimulatedKmsOptions {
  readonly seed?: number;
  readonly profile?: KmsProfile;
}

export class SimulatedKms {
  private readonly masterKey = randomBytes(32);
  private readonly rng: Rng;
  private profileNow: KmsProfile;
  calls = 0;

  constructor(options: SimulatedKmsOptions = {}) {
    this.rng = createRng(options.seed ?? 0x6b6d73);
    this.profileNow = options.profile ?? KMS_HEALTHY;
  }

  get profile(): KmsProfile {
    return this.profileNow;
  }

  setProfile(profile: KmsProfile): void {
    this.profileNow = profile;
  }

  /** Wraps a data key under the master key (done once at start-up, outside the request path). */
  encrypt(plaintext: Uint8Array): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.masterKey, iv);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  decrypt(input: DecryptInput): Promise<Buffer> {
    this.calls++;
    const p = this.profileNow;
    const timeoutMs = input.timeoutMs ?? 10_000;
    const roll = this.rng();
    const latency = logNormal(this.rng, p.latencyMedianMs, p.latencyP95Ms);
    return new Promise<Buffer>((resolve, reject) => {
      const after = (ms: number, fn: () => void) => void setTimeout(fn, ms);
      const timeout = () => reject(new SimulatedKmsError('TimeoutError', 0, `request timed out after ${timeoutMs} ms`));
      if (roll < p.hangRate) return after(timeoutMs, timeout);
      if (latency > timeoutMs) return after(timeoutMs, timeout);
      if (roll < p.hangRate + p.unavailableRate) {
        return after(latency, () => reject(new SimulatedKmsError('KMSInternalException', 503, 'the KMS is temporarily unavailable')));
      }
      if (roll < p.hangRate + p.unavailableRate + p.throttleRate) {
        return after(Math.min(latency, 5), () => reject(new SimulatedKmsError('ThrottlingException', 400, 'rate exceeded')));
      }
      after(latency, () => {
        try {
          resolve(this.unwrap(input.CiphertextBlob));
        } catch {
          reject(new SimulatedKmsError('InvalidCiphertextException', 400, 'ciphertext could not be decrypted'));
        }
      });
    });
  }

  private unwrap(blob: Buffer): Buffer {
    const decipher = createDecipheriv('aes-256-gcm', this.masterKey, blob.subarray(0, 12));
    decipher.setAuthTag(blob.subarray(12, 28));
    return Buffer.concat([decipher.update(blob.subarray(28)), decipher.final()]);
  }
}
