import { CommanderError } from 'commander';
import { ExitCode, isElmError } from '../domain/errors';
import { invalidUrlInput, osErrorPath, osPathProblem } from '../domain/osPathProblem';
import { detectIO } from '../runtime/io';
import { globalAbort } from './action';

/**
 * The one place errors become output: a single line on stderr (plus details lines for things
 * like blockers), or a JSON error document with --json. Stack traces only with --verbose.
 */
export async function reportError(e: unknown, argv: string[], interrupted: boolean): Promise<number> {
  const json = argv.includes('--json');
  const verbose = argv.includes('--verbose');
  const { colorErr: color } = detectIO({ color: !argv.includes('--no-color') });
  let code: number;
  let message: string;
  let details: string[] = [];
  if (e instanceof CommanderError) {
    code = e.code === 'commander.executeSubCommandAsync' ? ExitCode.failed : ExitCode.usage;
    message = e.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ');
    message = `${message.charAt(0).toUpperCase()}${message.slice(1)}`;
    if (!/elm .*--help/.test(message)) message += ` (see ${helpCommand(argv)})`;
  } else if (isElmError(e)) {
    code = e.exitCode;
    message = e.message;
    details = e.details;
  } else if (osPathProblem(e) && osErrorPath(e)) {
    // An fs error on a path the operator chose (a flag, --home, ELM_HOME): their input, exit 2.
    code = ExitCode.usage;
    message = `${osErrorPath(e)} ${osPathProblem(e)}; give another path or fix its permissions (elm's own files live under --home / ELM_HOME).`;
  } else if ((e as NodeJS.ErrnoException)?.code === 'ENOSPC') {
    code = ExitCode.failed;
    message = `No space left on the device${osErrorPath(e) ? ` of ${osErrorPath(e)}` : ''}; free some space and run the command again (nothing was recorded).`;
  } else if (invalidUrlInput(e) !== undefined) {
    code = ExitCode.usage;
    message = `Invalid URL ${JSON.stringify(invalidUrlInput(e))}; give a full URL such as https://host/path.`;
  } else if (interrupted || ((e as Error)?.name === 'AbortError' && globalAbort().signal.aborted)) {
    // Only the operator cancels (Ctrl-C, a SIGTERM handed to the command's signal): a request
    // aborted by anything else (a deadline) is a failure, exit 1.
    code = ExitCode.cancelled;
    message = 'Cancelled.';
  } else {
    code = ExitCode.failed;
    message = (e as Error)?.message ?? String(e);
  }
  const { loadStyle } = await import('../runtime/style.js');
  const style = await loadStyle(color);
  const { escapeControls } = await import('../runtime/text.js');
  // A name in the message may hold control characters: shown escaped, never sent raw.
  process.stderr.write(`${style.red('error:')} ${escapeControls(message)}\n`);
  for (const d of details) process.stderr.write(`  ${escapeControls(d)}\n`);
  if (verbose && e instanceof Error && !isElmError(e)) process.stderr.write(`${e.stack}\n`);
  if (json) {
    const { writeJsonDocument } = await import('../runtime/output.js');
    writeJsonDocument(process.stdout, Boolean(process.stdout.isTTY), { error: { message, exitCode: code, details } });
  }
  return code;
}

/** The deepest command the typed words name, and its path (`elm connector add`). */
function typedCommand(argv: string[]) {
  const { buildProgram } = require('./program') as typeof import('./program');
  let cmd = buildProgram(argv);
  const path = ['elm'];
  const words = argv.slice(2).filter((a, i, all) => !a.startsWith('-') && all[i - 1] !== '--home');
  for (const word of words) {
    const sub = cmd.commands.find((c) => c.name() === word);
    if (!sub) break;
    path.push(word);
    cmd = sub;
  }
  return { cmd, path: path.join(' ') };
}

/** `elm connector add fileshare --help` for the deepest command the typed words name. */
function helpCommand(argv: string[]): string {
  return `${typedCommand(argv).path} --help`;
}

/**
 * `elm connector` alone: the help went to stdout (it is what was asked for, in effect); the
 * error is one line naming the commands to choose from.
 */
export function missingCommandError(argv: string[]): CommanderError {
  const { cmd, path } = typedCommand(argv);
  const names = cmd.commands.map((c) => c.name()).filter((n) => n !== 'help');
  return new CommanderError(ExitCode.usage, 'elm.missingCommand', `Missing command: ${path} needs one of ${names.join(', ')}`);
}
