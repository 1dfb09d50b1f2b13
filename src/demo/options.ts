/** Parsing and checking `hmac-slo demo` flags; every error names its flag (commander adds it). */
import { InvalidArgumentError } from 'commander';
import { isDuration, durationSeconds } from '../config/duration.js';
import { parseListen } from '../collector/run.js';
import { SCENARIO_NAMES, isScenarioName, type ScenarioName } from './scenarios.js';
import { TOUR_NAMES, isTourName, type TourName } from './tour.js';

export function parseSpeed(text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number, e.g. 1, 30 or 120');
  return n;
}

export function parseScenarios(text: string): ScenarioName[] {
  const names = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (names.length === 1 && names[0] === 'all') return [...SCENARIO_NAMES];
  if (names.length === 0) throw new InvalidArgumentError(`expected all or a comma list of: ${SCENARIO_NAMES.join(', ')}`);
  for (const name of names) {
    if (!isScenarioName(name)) {
      throw new InvalidArgumentError(`unknown scenario "${name}"; expected all or a comma list of: ${SCENARIO_NAMES.join(', ')}`);
    }
  }
  return names as ScenarioName[];
}

/** Real time, Prometheus style (`90s`, `5m`, `1h`); milliseconds. */
export function parseDuration(text: string): number {
  if (!isDuration(text) || durationSeconds(text) <= 0) throw new InvalidArgumentError('expected a duration such as 90s, 5m or 1h');
  return durationSeconds(text) * 1000;
}

export function parseExportInterval(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 50 || n > 600_000) throw new InvalidArgumentError('expected whole milliseconds between 50 and 600000');
  return n;
}

export function parsePushTo(text: string): string[] {
  const urls = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (urls.length === 0) throw new InvalidArgumentError('expected a collector base URL, e.g. http://127.0.0.1:9464');
  return urls.map((u) => {
    let url: URL;
    try {
      url = new URL(u);
    } catch {
      throw new InvalidArgumentError(`"${u}" is not a URL; expected e.g. http://127.0.0.1:9464`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError(`"${u}": expected an http(s) URL`);
    return u.replace(/\/+$/, '');
  });
}

export function parseListenFlag(text: string): string {
  try {
    parseListen(text);
  } catch {
    throw new InvalidArgumentError('expected HOST:PORT, e.g. 127.0.0.1:9464 (port 0 picks a free port)');
  }
  return text;
}

export function parseLogFormat(text: string): 'pretty' | 'json' {
  if (text !== 'pretty' && text !== 'json') throw new InvalidArgumentError('expected pretty or json');
  return text;
}

export function parseTour(text: string): TourName {
  if (!isTourName(text)) throw new InvalidArgumentError(`expected ${TOUR_NAMES.join(' or ')}`);
  return text;
}
