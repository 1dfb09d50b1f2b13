/**
 * What the demo prints on stdout. Two formats:
 * - `json` (default when stdout is not a terminal): one JSON object per line — `demo started`,
 *   `demo phase`, `demo status`, `demo finished` (docs/demo.md lists the fields);
 * - `pretty`: a banner, one line per phase, and a status line redrawn in place on a terminal.
 */
export type LogFormat = 'pretty' | 'json';

export class DemoOutput {
  private statusShown = false;

  constructor(
    readonly format: LogFormat,
    private readonly stream: NodeJS.WriteStream = process.stdout,
  ) {}

  get live(): boolean {
    return this.format === 'pretty' && this.stream.isTTY === true;
  }

  /** A JSON event (json format only). */
  event(msg: string, fields: Record<string, unknown>): void {
    if (this.format !== 'json') return;
    this.stream.write(JSON.stringify({ msg, time: Date.now(), ...fields }) + '\n');
  }

  /** A line of text (pretty format only); keeps the live status line below it. */
  line(text: string): void {
    if (this.format !== 'pretty') return;
    this.clearStatus();
    this.stream.write(text + '\n');
  }

  /** The live status line: redrawn in place on a terminal. */
  status(text: string): void {
    if (!this.live) return;
    // A pseudo-terminal may report 0 columns: then do not cut at all.
    const width = this.stream.columns > 20 ? this.stream.columns : Infinity;
    const shown = text.length > width - 1 ? text.slice(0, width - 2) + '…' : text;
    this.stream.write(`\r\x1b[2K${shown}`);
    this.statusShown = true;
  }

  clearStatus(): void {
    if (this.statusShown) this.stream.write('\r\x1b[2K');
    this.statusShown = false;
  }
}
