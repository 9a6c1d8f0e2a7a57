import type { IO } from './io';
import { plainStyle, type Style } from './style';

/**
 * Data goes to stdout, everything meant for the operator's eyes goes to stderr, so
 * `elm ... --json | jq` and `x=$(elm ...)` always get clean data.
 */
export class Output {
  /** Colours for data on stdout (on only when stdout is a terminal). */
  style: Style = plainStyle;
  /** Colours for messages on stderr (on only when stderr is a terminal). */
  messageStyle: Style = plainStyle;
  constructor(readonly io: IO) {}

  /** Exactly one JSON document on stdout (the --json contract); indented for eyes, compact for pipes. */
  json(doc: unknown): void {
    writeJsonDocument(this.io.stdout, this.io.stdoutIsTTY, doc);
  }

  /** Human-readable data (tables, values) on stdout. */
  data(text: string): void {
    this.io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  info(message: string): void {
    this.io.stderr.write(`${message}\n`);
  }

  success(message: string): void {
    this.io.stderr.write(`${this.messageStyle.green('✓')} ${message}\n`);
  }

  warn(message: string): void {
    this.io.stderr.write(`${this.messageStyle.yellow('!')} ${message}\n`);
  }

  error(message: string): void {
    this.io.stderr.write(`${this.messageStyle.red('error:')} ${message}\n`);
  }

  verbose(message: string): void {
    if (this.io.verbose) this.io.stderr.write(`${this.messageStyle.dim(message)}\n`);
  }
}

let jsonWritten = false;

/**
 * The one writer of --json documents, for successes and errors alike: the same formatting, and
 * never a second document (an error after the result goes to stderr only).
 */
export function writeJsonDocument(stream: NodeJS.WritableStream, isTTY: boolean, doc: unknown): boolean {
  if (jsonWritten) return false;
  jsonWritten = true;
  stream.write(`${JSON.stringify(doc, null, isTTY ? 2 : undefined)}\n`);
  return true;
}

/** A fixed-width table for `list` commands; the header row is dimmed. */
export function formatTable(style: Style, headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [style.dim(line(headers)), ...rows.map(line)].join('\n');
}
