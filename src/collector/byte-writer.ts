/**
 * Appends text and ready-made bytes to a list of large buffers. The exposition of 10,000 series is
 * several MiB: built as JavaScript strings it becomes a rope of hundreds of thousands of pieces that
 * V8 must flatten before encoding (tens of ms). Writing each piece straight into a buffer, with the
 * parts that never change (a series' name and labels) encoded once and copied, avoids that.
 */
const CHUNK = 1 << 20;

export class ByteWriter {
  private buf = Buffer.allocUnsafe(CHUNK);
  private off = 0;
  private readonly full: Buffer[] = [];

  private room(n: number): void {
    if (this.off + n <= this.buf.length) return;
    if (this.off > 0) this.full.push(this.buf.subarray(0, this.off));
    this.buf = Buffer.allocUnsafe(Math.max(CHUNK, n));
    this.off = 0;
  }

  /** Bytes encoded earlier (see `encode`). */
  bytes(b: Buffer): void {
    this.room(b.length);
    this.off += b.copy(this.buf, this.off);
  }

  /** Any text, as UTF-8. */
  text(s: string): void {
    this.room(s.length * 3);
    this.off += this.buf.write(s, this.off, 'utf8');
  }

  /** Text known to be ASCII (numbers): no UTF-8 work. */
  ascii(s: string): void {
    this.room(s.length);
    this.off += this.buf.write(s, this.off, 'latin1');
  }

  /** The buffers written so far, in order; the writer must not be used afterwards. */
  finish(): Buffer[] {
    if (this.off > 0 || this.full.length === 0) this.full.push(this.buf.subarray(0, this.off));
    return this.full;
  }
}

export const encode = (s: string): Buffer => Buffer.from(s, 'utf8');
