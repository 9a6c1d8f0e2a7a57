import type { IO } from './io';
import { plainStyle, type Style } from './style';
import { displayWidth, escapeControls, formatWhen, isIsoInstant, padDisplay, wrapText } from './text';

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

  /**
   * Human-readable data (tables, values) on stdout. Control characters from names and free text
   * are escaped; only the colour codes elm itself writes (when stdout is coloured) go through.
   */
  data(text: string): void {
    const safe = escapeControls(text, this.io.colorOut ? 'newlines-and-colours' : 'newlines');
    this.io.stdout.write(safe.endsWith('\n') ? safe : `${safe}\n`);
  }

  /**
   * Prose on stdout (a task's description, its "Next:" steps): control characters escaped, and
   * wrapped to the terminal's width when stdout is one (a pipe gets the lines as they are).
   */
  prose(text: string): void {
    this.data(this.io.stdoutIsTTY ? wrapText(text, this.io.columns) : text);
  }

  // Messages: names in them may hold control characters; they are shown escaped, never raw.
  info(message: string): void {
    this.io.stderr.write(`${this.message(message)}\n`);
  }

  success(message: string): void {
    this.io.stderr.write(`${this.messageStyle.green('✓')} ${this.message(message)}\n`);
  }

  warn(message: string): void {
    this.io.stderr.write(`${this.messageStyle.yellow('!')} ${this.message(message)}\n`);
  }

  error(message: string): void {
    this.io.stderr.write(`${this.messageStyle.red('error:')} ${this.message(message)}\n`);
  }

  private message(text: string): string {
    const safe = escapeControls(text, 'newlines');
    return this.io.stderrIsTTY ? wrapText(safe, this.io.columns) : safe;
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

/**
 * A table for `list` and `show` commands: columns aligned by display width (CJK, accents),
 * control characters in cells escaped, ISO instants shown local and relative (--json keeps ISO);
 * the header row is dimmed.
 */
export function formatTable(style: Style, headers: string[], rows: string[][], now: Date = new Date()): string {
  const cells = rows.map((r) => r.map((c) => {
    const text = escapeControls(c ?? '');
    return isIsoInstant(text) ? formatWhen(text, now) : text;
  }));
  const widths = headers.map((h, i) => Math.max(displayWidth(h), ...cells.map((r) => displayWidth(r[i] ?? ''))));
  const line = (row: string[]) =>
    row
      .map((c, i) => (i === row.length - 1 ? c : padDisplay(c, widths[i])))
      .join('  ')
      .trimEnd();
  return [style.dim(line(headers)), ...cells.map(line)].join('\n');
}
