/**
 * The terminal facts every command needs, decided once: is there a TTY to prompt on, which stream
 * is coloured, may progress redraw a line, is --json on. Tests build their own IO to check each
 * combination.
 */
export interface IO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  /** Colour on stdout: stdout is a TTY, and no NO_COLOR, --no-color or TERM=dumb. */
  colorOut: boolean;
  /** Colour on stderr: stderr is a TTY, and no NO_COLOR, --no-color or TERM=dumb. */
  colorErr: boolean;
  /**
   * stderr is a terminal that can redraw a line (a spinner, a progress line): a TTY that reports a
   * width and is not TERM=dumb, outside CI (a CI log keeps every frame). `script -qc` reports
   * width 0; there, progress is plain lines.
   */
  liveErr: boolean;
  /** Columns to wrap long lines to (80 when the terminal does not say). */
  columns: number;
  /** Prompts allowed: stdin and stdout are TTYs, CI unset, no --no-input, no --json. */
  canPrompt: boolean;
  json: boolean;
  verbose: boolean;
}

export interface GlobalFlags {
  home?: string;
  json?: boolean;
  input?: boolean; // commander turns --no-input into input: false
  color?: boolean; // --no-color → color: false
  verbose?: boolean;
  /** --state URL and the environment variables holding its key or SAS (also ELM_STATE…). */
  state?: string;
  stateKeyEnv?: string;
  stateSasEnv?: string;
  /** --appliance NAME (ELM_APPLIANCE): the read commands show that App Layering appliance's objects. */
  appliance?: string;
}

export interface Streams {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
}

/** Colour anywhere at all: NO_COLOR (any non-empty value), --no-color and TERM=dumb turn it off. */
export function colorAllowed(flags: Pick<GlobalFlags, 'color'>, env: NodeJS.ProcessEnv = process.env): boolean {
  return !((env.NO_COLOR !== undefined && env.NO_COLOR !== '') || env.TERM === 'dumb' || flags.color === false);
}

export function isCI(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
}

export function detectIO(flags: GlobalFlags, env: NodeJS.ProcessEnv = process.env, streams: Streams = process): IO {
  const stdoutIsTTY = Boolean(streams.stdout.isTTY);
  const stderrIsTTY = Boolean(streams.stderr.isTTY);
  const color = colorAllowed(flags, env);
  const width = stderrIsTTY ? (streams.stderr.columns ?? 0) : 0;
  const outWidth = stdoutIsTTY ? (streams.stdout.columns ?? 0) : 0;
  return {
    stdout: streams.stdout,
    stderr: streams.stderr,
    get stdin() {
      return streams.stdin;
    },
    stdoutIsTTY,
    stderrIsTTY,
    colorOut: color && stdoutIsTTY,
    colorErr: color && stderrIsTTY,
    liveErr: stderrIsTTY && width > 0 && env.TERM !== 'dumb' && !isCI(env),
    columns: width || outWidth || 80,
    // stdin last: process.stdin is a stream made on first use, which a pipe never needs.
    canPrompt: stdoutIsTTY && !isCI(env) && flags.input !== false && !flags.json && Boolean(streams.stdin.isTTY),
    json: Boolean(flags.json),
    verbose: Boolean(flags.verbose),
  };
}
