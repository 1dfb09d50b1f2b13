/** `body_whitespace`: a trailing newline added or dropped, line endings converted (CRLF ↔ LF). */
export function whitespaceCandidates(bytes: Buffer): Buffer[] {
  const text = bytes.toString('latin1'); // byte-preserving: only ASCII whitespace is edited
  const out = [
    text.replace(/[\r\n]+$/, ''),
    text.replace(/\s+$/, ''),
    text + '\n',
    text + '\r\n',
    text.replace(/\r\n/g, '\n'),
    text.replace(/\r?\n/g, '\r\n'),
    text.trim(),
  ];
  return out.map((t) => Buffer.from(t, 'latin1'));
}
