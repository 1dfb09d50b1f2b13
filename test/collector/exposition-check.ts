/**
 * Whether an exposition can be read by Prometheus: text format 0.0.4 with `promtool check metrics`
 * (the real parser), OpenMetrics 1.0 with a strict reading of the spec's grammar written here
 * (promtool 2.42 reads only the text format; the real Prometheus test scrapes OpenMetrics too).
 */
import { spawnSync } from 'node:child_process';

/**
 * `promtool check metrics` (2.42) exits 1 with "error while linting: text format parsing error…"
 * when it cannot parse the text, and 3 when it parses but has lint advice (a counter without
 * `_total`, no HELP, …) — advice about names that pushers choose, not a broken scrape. So "Prometheus
 * can read it" is: no parse error, exit 0 or 3. Returns the problem, or undefined.
 */
export function promtoolParseError(text: string | Buffer): string | undefined {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (r.error) throw r.error;
  const out = `${r.stdout}${r.stderr}`;
  if ((r.status === 0 || r.status === 3) && !/error while linting|parsing error/.test(out)) return undefined;
  return `promtool exit ${r.status}: ${out.slice(0, 2000)}`;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*';
const VALUE = '"(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
const LABELS = `\\{(?:${LABEL}=${VALUE}(?:,${LABEL}=${VALUE})*)?\\}`;
const NUMBER = '(?:[-+]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[-+]?Inf|NaN)';
const SAMPLE_RE = new RegExp(`^(${NAME})(${LABELS})? (${NUMBER})(?: (${NUMBER}))?(?: # (${LABELS}) (${NUMBER})(?: (${NUMBER}))?)?$`);
const SUFFIXES: Record<string, string[]> = {
  counter: ['_total', '_created'],
  gauge: [''],
  histogram: ['_bucket', '_sum', '_count', '_created'],
  unknown: [''],
};

function labelNames(labels: string | undefined): string[] {
  if (!labels) return [];
  return [...labels.matchAll(new RegExp(`(${LABEL})=${VALUE}`, 'g'))].map((m) => m[1]!);
}

/** Problems an OpenMetrics 1.0 parser would refuse the exposition for (empty when none). */
export function openMetricsProblems(bytes: Buffer): string[] {
  const problems: string[] = [];
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return ['not valid UTF-8'];
  }
  if (!text.endsWith('# EOF\n')) problems.push('does not end with # EOF');
  const lines = text.split('\n').slice(0, -2);
  const families = new Set<string>();
  let family: { name: string; type: string } | undefined;
  const seen = new Set<string>();
  for (const line of lines) {
    const meta = /^# (HELP|TYPE|UNIT) (\S+)(?: (.*))?$/.exec(line);
    if (meta) {
      const [, what, name, rest] = meta;
      if (!new RegExp(`^${NAME}$`).test(name!)) problems.push(`bad family name: ${line}`);
      if (what === 'HELP' && !/^(?:[^\\]|\\[\\"n])*$/.test(rest ?? '')) problems.push(`bad HELP escape: ${line}`);
      if (family === undefined || family.name !== name) {
        if (families.has(name!)) problems.push(`family ${name} appears twice`);
        families.add(name!);
        family = { name: name!, type: 'unknown' };
      }
      if (what === 'TYPE') family.type = rest ?? '';
      continue;
    }
    const m = SAMPLE_RE.exec(line);
    if (!m) {
      problems.push(`unparseable line: ${line.slice(0, 300)}`);
      continue;
    }
    const [, name, labels, , , exLabels] = m;
    if (!family || !(SUFFIXES[family.type] ?? ['']).some((s) => `${family!.name}${s}` === name)) problems.push(`sample ${name} outside its family`);
    const names = labelNames(labels);
    if (new Set(names).size !== names.length) problems.push(`duplicate label names: ${line.slice(0, 300)}`);
    if (names.some((n) => n.startsWith('__'))) problems.push(`reserved label name: ${line.slice(0, 300)}`);
    if (exLabels && [...exLabels.replace(/[{}"=,]/g, '')].length > 128) problems.push(`exemplar labels over 128 characters: ${line.slice(0, 300)}`);
    const key = `${name}${labels ?? ''}`;
    if (seen.has(key)) problems.push(`series twice: ${key.slice(0, 300)}`);
    seen.add(key);
  }
  return problems;
}
