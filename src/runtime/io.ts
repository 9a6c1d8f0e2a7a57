/**
 * The terminal facts every command needs, decided once: is there a TTY to prompt on, should
 * output be coloured, is --json on. Tests build their own IO to check each combination.
 */
export interface IO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  /** Colour on stderr/stdout (off when not a TTY, NO_COLOR, --no-color, TERM=dumb). */
  color: boolean;
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
}

export function detectIO(flags: GlobalFlags, env: NodeJS.ProcessEnv = process.env): IO {
  const stdoutIsTTY = Boolean(process.stdout.isTTY);
  const stderrIsTTY = Boolean(process.stderr.isTTY);
  const stdinIsTTY = Boolean(process.stdin.isTTY);
  const noColor = (env.NO_COLOR !== undefined && env.NO_COLOR !== '') || env.TERM === 'dumb' || flags.color === false;
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    stdoutIsTTY,
    stderrIsTTY,
    color: !noColor && stderrIsTTY,
    canPrompt: stdinIsTTY && stdoutIsTTY && !ci && flags.input !== false && !flags.json,
    json: Boolean(flags.json),
    verbose: Boolean(flags.verbose),
  };
}
