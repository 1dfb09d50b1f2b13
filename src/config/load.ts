/** Reads and validates `hmac-slo.yaml`; every error names the file and the field. */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ATTR, INSTRUMENTS, isFailureReason, outcomeOf, promLabel } from '@hmac-slo/instrumentation/contract';
import { configSchema, type HmacSloConfig, type SloScope } from './schema.js';
import { durationSeconds } from './duration.js';
import { LABEL_NAME_RE } from '../collector/aggregate/names.js';

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${file}: ${field || '(top level)'}: ${problem}`);
    this.name = 'ConfigError';
  }
}

function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
}

/** Validate an already-parsed object (from YAML, JSON or code). `file` is only used in messages. */
export function parseConfig(raw: unknown, file = '<inline>'): HmacSloConfig {
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) {
    const issue = result.error.issues[0] as z.core.$ZodIssue;
    throw new ConfigError(file, fieldPath(issue.path), issue.message);
  }
  const config = result.data;
  checkCrossFields(config, file);
  checkBlastRadiusSlos(config, file, blastRadiusSlosGiven(raw));
  return config;
}

function blastRadiusSlosGiven(raw: unknown): boolean {
  const alerting = (raw as { alerting?: { blastRadius?: { slos?: unknown } } } | null | undefined)?.alerting;
  return alerting?.blastRadius?.slos !== undefined;
}

/**
 * Blast radius splits a burn by how many CLIENTS fail: it only means something for an SLO of
 * verifications that counts client faults. An SLO of our own errors (auth-availability) always
 * pages: listing one is refused; the default list (`auth-success`) leaves out a config's SLO of
 * that name that does not count client faults, so nothing of ours is ever split.
 */
function checkBlastRadiusSlos(config: HmacSloConfig, file: string, given: boolean): void {
  const sloByName = new Map(config.slos.map((slo) => [slo.name, slo]));
  const split = (name: string): boolean => {
    const sli = sloByName.get(name)?.sli;
    if (sli === undefined) return true; // names no SLO: splits nothing
    return sli.kind === 'ratio' && sli.source === 'verifications' && sli.badOutcomes.includes('rejected') &&
      (sli.badReasons === undefined || sli.badReasons.some((r) => isFailureReason(r) && outcomeOf(r) === 'rejected'));
  };
  const br = config.alerting.blastRadius;
  if (!given) {
    br.slos = br.slos.filter(split);
    return;
  }
  br.slos.forEach((name, i) => {
    if (!split(name)) {
      throw new ConfigError(file, `alerting.blastRadius.slos[${i}]`, `SLO "${name}" does not count rejected verifications (client faults): its burn is ours and must always page, so it cannot be split by blast radius`);
    }
  });
}

/** Rules a schema cannot express: unique names, exact latency buckets, windows within the period. */
function checkCrossFields(config: HmacSloConfig, file: string): void {
  const seen = new Set<string>();
  config.slos.forEach((slo, i) => {
    if (seen.has(slo.name)) throw new ConfigError(file, `slos[${i}].name`, `duplicate SLO name "${slo.name}"`);
    seen.add(slo.name);
    checkScope(slo.scope, `slos[${i}].scope`, file);
    if (slo.sli.kind === 'latency') {
      const buckets: readonly number[] = INSTRUMENTS[slo.sli.source].buckets ?? [];
      if (!buckets.includes(slo.sli.thresholdSeconds)) {
        throw new ConfigError(
          file,
          `slos[${i}].sli.thresholdSeconds`,
          `${slo.sli.thresholdSeconds} is not a histogram bucket bound; choose one of ${buckets.join(', ')}`,
        );
      }
    }
  });
  const period = durationSeconds(config.period);
  config.alerting.burnRate.forEach((a, i) => {
    if (durationSeconds(a.short) >= durationSeconds(a.long)) {
      throw new ConfigError(file, `alerting.burnRate[${i}].short`, `must be shorter than long (${a.long})`);
    }
    if (durationSeconds(a.long) > period) {
      throw new ConfigError(file, `alerting.burnRate[${i}].long`, `must not exceed the period (${config.period})`);
    }
  });
  // The leaked-key alert compares a key with its own history minus the recent stretch: some must remain.
  const fm = config.alerting.failureModes;
  if (durationSeconds(fm.keyClientsRecent) >= durationSeconds(fm.keyClientsHistory)) {
    throw new ConfigError(file, 'alerting.failureModes.keyClientsRecent', `must be shorter than keyClientsHistory (${fm.keyClientsHistory})`);
  }
  // What remains is read from a maximum recorded once an hour (rules/lib.libsonnet keyClientsBucket):
  // under an hour of it holds no recorded sample at some evaluations, and the key goes unjudged.
  if (durationSeconds(fm.keyClientsHistory) - durationSeconds(fm.keyClientsRecent) < KEY_CLIENTS_BUCKET_S) {
    throw new ConfigError(file, 'alerting.failureModes.keyClientsHistory', `must leave at least 1h (the recorded hourly maximum) once keyClientsRecent (${fm.keyClientsRecent}) is left out`);
  }
  // A surge starting just before an hourly recording is part of the history keyClientsRecent later:
  // if that is not longer than `for`, such a leak never pages.
  if (durationSeconds(fm.keyClientsRecent) <= durationSeconds(fm.for)) {
    throw new ConfigError(file, 'alerting.failureModes.keyClientsRecent', `must be longer than failureModes.for (${fm.for}): a surge is part of the history keyClientsRecent after the hourly recording that first saw it`);
  }
}

/** The leaked-key alert's recording interval (rules/lib.libsonnet `keyClientsBucket`, 1h), in seconds. */
const KEY_CLIENTS_BUCKET_S = 3600;

/** Labels a scope may not select on: the SLI reads them (outcome, reason, bucket) or the rules set them. */
const UNSCOPABLE = new Set(['le', 'slo', 'window', promLabel(ATTR.outcome), promLabel(ATTR.errorType)]);

/** A scope's keys become PromQL label matchers: each must be a valid, selectable label name. */
function checkScope(scope: SloScope | undefined, field: string, file: string): void {
  for (const [label, m] of Object.entries(scope ?? {})) {
    // `__…` is reserved for Prometheus itself.
    if (!LABEL_NAME_RE.test(label) || label.startsWith('__')) {
      throw new ConfigError(file, `${field}.${label}`, `"${label}" is not a Prometheus label name (letters, digits and _, not starting with a digit or __)`);
    }
    if (UNSCOPABLE.has(label)) {
      throw new ConfigError(file, `${field}.${label}`, `"${label}" cannot scope an SLO: the SLI or the recording rules set it (use sli.badOutcomes / badReasons)`);
    }
    // jsonnet (which renders the rules) cannot hold a NUL or a lone UTF-16 surrogate (no valid
    // Unicode, not a Prometheus label value either) in a string: refuse them here, naming the field.
    if ((Array.isArray(m) ? m : m.notIn).some((v) => v.includes('\0') || /\p{Cs}/u.test(v))) {
      throw new ConfigError(file, `${field}.${label}`, 'a scope value cannot contain a NUL character or a lone surrogate (\\uD800–\\uDFFF)');
    }
  }
}

/** Load a config file; a missing `file` means all defaults. */
export function loadConfig(file?: string): HmacSloConfig {
  if (!file) return parseConfig({}, '<defaults>');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, '', `cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0];
    throw new ConfigError(file, line ? `line ${line.line}, column ${line.col}` : '', `invalid YAML: ${e.message.split('\n')[0]}`);
  }
  return parseConfig(doc.toJS(), file);
}

