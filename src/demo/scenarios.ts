/**
 * The scenario timeline: each failure mode of the HMAC auth guide (and the canary) as one or two phases; docs/demo.md lists them.
 * Durations are in demo minutes and divide by --speed. Failure phases last at least 12 demo minutes
 * so that alerts with a 5m rate window and `for: 5m` (the shipped defaults, both time-scaled by
 * `hmac-slo generate --time-scale N`) have their window filled and their `for` elapsed with room to
 * spare; steady phases between them let the 5m windows drain.
 */
import type { KmsProfile } from './kms.js';
import { recover, revokeRetiring, setKms, startRotation, type DemoWorld } from './world.js';

export const SCENARIO_NAMES = [
  'steady',
  'canonicalization',
  'clock-drift',
  'replay',
  'revoked-key',
  'rotation-lag',
  'kms-outage',
  'proxy-body',
  'canary',
] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export function isScenarioName(name: string): name is ScenarioName {
  return (SCENARIO_NAMES as readonly string[]).includes(name);
}

export interface PhaseSpec {
  /** Phase name on the phase line: the scenario name, or `scenario:step` for two-step scenarios. */
  readonly name: string;
  readonly scenario: ScenarioName;
  readonly demoMinutes: number;
  /** What happens, for the status line and docs. */
  readonly description: string;
  /** Applied when the phase starts. */
  enter(world: DemoWorld): void;
  /** Called a few times a second with progress 0..1 (ramps). */
  update?(world: DemoWorld, progress: number): void;
}

/** The opening steady phase, and the shorter recovery before each failure scenario. */
export const STEADY_MINUTES = 10;
export const RECOVERY_MINUTES = 5;

export const KMS_SLOW: KmsProfile = { latencyMedianMs: 120, latencyP95Ms: 800, throttleRate: 0.2, unavailableRate: 0, hangRate: 0 };
export const KMS_DOWN: KmsProfile = { latencyMedianMs: 40, latencyP95Ms: 120, throttleRate: 0, unavailableRate: 0.7, hangRate: 0.3 };
/** The payments-api's KMS client timeout (a slower answer is kms_timeout). */
export const KMS_TIMEOUT_MS = 500;

function steady(minutes: number, description: string): PhaseSpec {
  return { name: 'steady', scenario: 'steady', demoMinutes: minutes, description, enter: recover };
}

const FAILURES: Record<Exclude<ScenarioName, 'steady'>, PhaseSpec[]> = {
  canonicalization: [
    {
      name: 'canonicalization',
      scenario: 'canonicalization',
      demoMinutes: 15,
      description: 'signing library 3.0 rolled out to half of checkout-service and webhook-sender: it rewrites Content-Type after signing',
      enter: (w) => void (w.conditions.upgradedShare = 0.5),
    },
  ],
  'clock-drift': [
    {
      name: 'clock-drift:approaching',
      scenario: 'clock-drift',
      demoMinutes: 12,
      description: "billing-worker's clock drifts to 250-290 s ahead (window 300 s): still accepted",
      enter: (w) => void (w.billing.clockOffsetSec = 250),
      update: (w, p) => void (w.billing.clockOffsetSec = 250 + 40 * p),
    },
    {
      name: 'clock-drift:past-window',
      scenario: 'clock-drift',
      demoMinutes: 12,
      description: "billing-worker's clock passes the timestamp window: timestamp_skew",
      enter: (w) => void (w.billing.clockOffsetSec = 320),
      update: (w, p) => void (w.billing.clockOffsetSec = 320 + 200 * p),
    },
  ],
  replay: [
    {
      name: 'replay',
      scenario: 'replay',
      demoMinutes: 15,
      description: 'an attacker replays captured checkout-service calls to payments-api',
      enter: (w) => void (w.conditions.replayPerSec = 4),
    },
  ],
  'revoked-key': [
    {
      name: 'revoked-key',
      scenario: 'revoked-key',
      demoMinutes: 15,
      description: 'an attacker signs with the leaked, revoked payments key and probes made-up key IDs',
      enter: (w) => {
        w.conditions.revokedKeyPerSec = 3;
        w.conditions.forgedKeyPerSec = 1.5;
      },
    },
  ],
  'rotation-lag': [
    {
      name: 'rotation-lag:rotating',
      scenario: 'rotation-lag',
      demoMinutes: 12,
      description: 'new payments key active, old key retiring; billing-worker lags on the retiring key, and a quarter of its instances name the new key with the old secret',
      enter: (w) => {
        startRotation(w);
        w.conditions.halfRotatedShare = 0.25;
      },
    },
    {
      name: 'rotation-lag:old-key-revoked',
      scenario: 'rotation-lag',
      demoMinutes: 12,
      description: 'the retiring key is revoked on schedule: the lagging billing-worker is rejected',
      enter: (w) => {
        revokeRetiring(w);
        w.conditions.halfRotatedShare = 0;
      },
    },
  ],
  'kms-outage': [
    {
      name: 'kms-outage:slowdown',
      scenario: 'kms-outage',
      demoMinutes: 12,
      description: 'SimulatedKms slows down (p95 800 ms, timeouts at 500 ms) and throttles 20% of calls',
      enter: (w) => setKms(w, KMS_SLOW),
    },
    {
      name: 'kms-outage:outage',
      scenario: 'kms-outage',
      demoMinutes: 15,
      description: 'SimulatedKms is down: 503s and timeouts; payments-api cannot unwrap keys',
      enter: (w) => setKms(w, KMS_DOWN),
    },
  ],
  'proxy-body': [
    {
      name: 'proxy-body',
      scenario: 'proxy-body',
      demoMinutes: 18,
      description: 'a new edge proxy re-serialises pretty-printed webhook JSON bodies',
      enter: (w) => void (w.conditions.proxyRewritesBodies = true),
    },
  ],
  canary: [
    {
      name: 'canary',
      scenario: 'canary',
      demoMinutes: 18,
      description: 'payments-api 1.9.0-rc.1 canary takes 30% of traffic; its router lower-cases paths',
      enter: (w) => void (w.conditions.canaryShare = 0.3),
    },
  ],
};

/**
 * The phases for a scenario selection (`all` is every scenario in order): each failure scenario is
 * preceded by a steady phase, and the timeline ends with one.
 */
export function buildTimeline(selection: readonly ScenarioName[]): PhaseSpec[] {
  const phases: PhaseSpec[] = [];
  for (const name of selection) {
    if (name === 'steady') {
      phases.push(steady(STEADY_MINUTES, 'healthy traffic: every client in sync, KMS healthy'));
      continue;
    }
    if (phases.at(-1)?.scenario !== 'steady') {
      phases.push(steady(RECOVERY_MINUTES, 'recovery: healthy traffic'));
    }
    phases.push(...FAILURES[name]);
  }
  // A last recovery, so the last failure's alerts (rate window + `for`) fire and resolve before the end.
  if (phases.at(-1)?.scenario !== 'steady') phases.push(steady(RECOVERY_MINUTES, 'recovery: healthy traffic'));
  return phases;
}

