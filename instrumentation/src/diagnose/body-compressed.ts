/** `body_compressed`: gzip bytes (magic `1f 8b`) signed after decompression. */
import { gunzipSync } from 'node:zlib';

export function compressedCandidates(bytes: Buffer, maxBytes: number): Buffer[] {
  if (bytes.length < 18 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return [];
  try {
    return [gunzipSync(bytes, { maxOutputLength: maxBytes })];
  } catch {
    return []; // not gzip after all, or larger than the diagnosis limit
  }
}
