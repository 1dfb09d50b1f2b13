/**
 * `body_encoding`: UTF-8 bytes read as Latin-1 somewhere and re-encoded as UTF-8 (mojibake such as
 * `Ã©` for `é`). Undone by taking the decoded text's code points back as single bytes.
 */
export function encodingCandidates(bytes: Buffer): Buffer[] {
  const text = bytes.toString('utf8');
  // Only meaningful when some character is non-ASCII and every one fits in a byte.
  if (!/[\u0080-\u00ff]/.test(text) || /[^\u0000-\u00ff]/.test(text)) return [];
  return [Buffer.from(text, 'latin1')];
}
