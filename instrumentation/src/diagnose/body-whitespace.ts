/** `body_whitespace`: a trailing newline added or dropped, line endings converted (CRLF ↔ LF). */

// Trailing runs are cut by scanning from the end: `/[\r\n]+$/` and `/\s+$/` backtrack quadratically on
// a long run that is not at the end (an attacker's body of newlines and one `x`).
function cutEnd(text: string, strip: (c: string) => boolean): string {
  let end = text.length;
  while (end > 0 && strip(text[end - 1]!)) end--;
  return text.slice(0, end);
}

export function whitespaceCandidates(bytes: Buffer): Buffer[] {
  const text = bytes.toString('latin1'); // byte-preserving: only ASCII whitespace is edited
  const out = [
    cutEnd(text, (c) => c === '\r' || c === '\n'),
    text.trimEnd(),
    text + '\n',
    text + '\r\n',
    text.replace(/\r\n/g, '\n'),
    text.replace(/\r?\n/g, '\r\n'),
    text.trim(),
  ];
  return out.map((t) => Buffer.from(t, 'latin1'));
}
