/**
 * `secret_format`: the configured secret is the right one, badly formatted — a trailing newline or
 * quotes from a `.env` file, or the raw text where the sender uses its base64/hex-decoded bytes (or
 * the other way round, e.g. a Standard Webhooks `whsec_` secret used as plain text).
 */
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;
const HEX = /^(?:[0-9a-fA-F]{2})+$/;
const PREFIX = 'whsec_';

function unquote(s: string): string {
  const t = s.trim();
  return t.length >= 2 && (t[0] === '"' || t[0] === "'") && t[t.length - 1] === t[0] ? t.slice(1, -1).trim() : t;
}

export function secretCandidates(secret: Uint8Array): Buffer[] {
  const original = Buffer.from(secret);
  const text = original.toString('utf8');
  const texts = new Set([text, text.trim(), unquote(text)]);
  const out: Buffer[] = [];
  for (const t of texts) {
    out.push(Buffer.from(t, 'utf8'));
    const bare = t.startsWith(PREFIX) ? t.slice(PREFIX.length) : t;
    if (bare !== t) out.push(Buffer.from(bare, 'utf8'));
    if (bare.length >= 8 && BASE64.test(bare)) out.push(Buffer.from(bare, 'base64'));
    if (bare.length >= 16 && HEX.test(bare)) out.push(Buffer.from(bare, 'hex'));
  }
  // The configured secret is already decoded bytes (Standard Webhooks keys); the sender used the text.
  const b64 = original.toString('base64');
  out.push(Buffer.from(b64, 'utf8'), Buffer.from(PREFIX + b64, 'utf8'));
  const seen = new Set<string>([original.toString('hex')]);
  return out.filter((c) => {
    const k = c.toString('hex');
    if (c.length === 0 || seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
