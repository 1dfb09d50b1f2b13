/**
 * `body_reserialized`: the application parsed the JSON and serialized it again (`JSON.stringify(req.body)`),
 * losing the sender's formatting. The candidates are the ways senders write JSON: compact or indented
 * (2, 4, tab; Stripe sends 2-space), Python's `", "`/`": "` separators, non-ASCII escaped as `\uXXXX`
 * (Python, PHP), `/` escaped as `\/` (PHP), with or without a trailing newline.
 */
interface Style {
  indent: string;
  itemSep: string;
  keySep: string;
  escapeNonAscii: boolean;
  escapeSlash: boolean;
}

function str(s: string, style: Style): string {
  let out = JSON.stringify(s);
  if (style.escapeNonAscii) out = out.replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
  if (style.escapeSlash) out = out.replace(/\//g, '\\/');
  return out;
}

function write(value: unknown, style: Style, depth: number): string {
  if (value === null || typeof value !== 'object') return typeof value === 'string' ? str(value, style) : JSON.stringify(value);
  const pad = style.indent === '' ? '' : '\n' + style.indent.repeat(depth + 1);
  const end = style.indent === '' ? '' : '\n' + style.indent.repeat(depth);
  const sep = style.indent === '' ? style.itemSep : ',';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return '[' + value.map((v) => pad + write(v, style, depth + 1)).join(sep) + end + ']';
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return '{}';
  return '{' + entries.map(([k, v]) => pad + str(k, style) + style.keySep + write(v, style, depth + 1)).join(sep) + end + '}';
}

const STYLES: Style[] = [];
for (const indent of ['', '  ', '    ', '\t']) {
  for (const [escapeNonAscii, escapeSlash] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    STYLES.push({ indent, itemSep: ',', keySep: indent === '' ? ':' : ': ', escapeNonAscii, escapeSlash });
  }
}
// Python's json.dumps defaults (ensure_ascii on, and off).
STYLES.push({ indent: '', itemSep: ', ', keySep: ': ', escapeNonAscii: true, escapeSlash: false });
STYLES.push({ indent: '', itemSep: ', ', keySep: ': ', escapeNonAscii: false, escapeSlash: false });

export function reserializedCandidates(bytes: Buffer): Buffer[] {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return [];
  }
  if (value === null || typeof value !== 'object') return [];
  const seen = new Set<string>([bytes.toString('utf8')]);
  const out: Buffer[] = [];
  for (const style of STYLES) {
    const text = write(value, style, 0);
    for (const t of [text, text + '\n']) {
      if (seen.has(t)) continue;
      seen.add(t);
      out.push(Buffer.from(t, 'utf8'));
    }
  }
  return out;
}
