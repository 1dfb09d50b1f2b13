/**
 * The two tours of `hmac-slo demo` (`--tour`), and what demo time means at a speed.
 *
 * - `quick` (the default, what `npm start` runs): every failure mode in about seven minutes at 30×,
 *   a short opening steady phase and a little background noise, so a first look shows failures
 *   within seconds instead of after a ten-minute steady phase.
 * - `full`: the realistic timeline at speed 1 (about 3.5 hours), no background noise; what the
 *   end-to-end test and the scenario tests run (with their own `--speed`).
 *
 * The phases themselves come from scenarios.ts; a tour only chooses the opening phase's length,
 * the default speed and whether the noise runs.
 */
import { durationSeconds } from '../config/duration.js';
import { formatScaledDuration } from '../ui/format.js';
import { buildTimeline, RECOVERY_MINUTES, type PhaseSpec, type ScenarioName } from './scenarios.js';

export const TOUR_NAMES = ['quick', 'full'] as const;
export type TourName = (typeof TOUR_NAMES)[number];

export interface TourSettings {
  /** `--speed` when none is given. */
  readonly defaultSpeed: number;
  /** Demo minutes of the opening steady phase (undefined: as scenarios.ts builds it). */
  readonly openingMinutes: number | undefined;
  /** Background noise (noise.ts) on. */
  readonly noise: boolean;
}

export const TOURS: Record<TourName, TourSettings> = {
  // 30×: a 12-demo-minute failure phase lasts 24 s, a 5m window 10 s; the tour takes ~7 minutes.
  quick: { defaultSpeed: 30, openingMinutes: RECOVERY_MINUTES, noise: true },
  full: { defaultSpeed: 1, openingMinutes: undefined, noise: false },
};

export function isTourName(name: string): name is TourName {
  return (TOUR_NAMES as readonly string[]).includes(name);
}

/** The timeline of a tour: scenarios.ts's, with the opening steady phase shortened for `quick`. */
export function tourTimeline(tour: TourName, selection: readonly ScenarioName[]): PhaseSpec[] {
  const phases = buildTimeline(selection);
  const opening = TOURS[tour].openingMinutes;
  const first = phases[0];
  if (opening !== undefined && first?.scenario === 'steady' && first.demoMinutes > opening) {
    phases[0] = { ...first, demoMinutes: opening };
  }
  return phases;
}

/** Real time of a demo duration at a speed, short and readable: `10 s`, `2 min`, `24 h`, `1.5 d`. */
export function realTime(demoDuration: string, speed: number): string {
  return formatScaledDuration(durationSeconds(demoDuration), speed);
}

/**
 * One sentence saying what demo time is at this speed: the windows the SLOs and alerts use, and
 * the SLO period, in real time. Printed in the banner; the status page says the same from /api/slo.
 */
export function timeScaleText(speed: number, period: string): string {
  if (speed === 1) return `real time (speed 1): windows and the ${period} SLO period are what they say`;
  const windows = ['5m', '1h', '6h', '1d'].map((w) => `${w} = ${realTime(w, speed)}`).join(', ');
  return `demo time runs ${speed}× real time: ${windows}; "${period}" (the SLO period) = ${realTime(period, speed)} of real time`;
}
