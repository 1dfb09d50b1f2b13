/**
 * A small seeded PRNG (mulberry32) so a demo run's mix of requests and simulated KMS behaviour is
 * the same from run to run; timers still make runs differ in detail, the shares stay put.
 */
export type Rng = () => number;

export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal deviate (Box–Muller). */
export function normal(rng: Rng): number {
  const u = Math.max(rng(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** Log-normal sample with the given median and 95th percentile (both > 0). */
export function logNormal(rng: Rng, median: number, p95: number): number {
  const sigma = Math.log(Math.max(p95, median) / median) / 1.6449;
  return median * Math.exp(sigma * normal(rng));
}
