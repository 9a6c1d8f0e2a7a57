import { CommanderError } from 'commander';
import { ExitCode, isElmError } from '../domain/errors';
import { detectIO } from '../runtime/io';

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
  } else if (interrupted || (e as Error)?.name === 'AbortError') {
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

/** `elm connector add fileshare --help` for the deepest command the typed words name. */
function helpCommand(argv: string[]): string {
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
  return `${path.join(' ')} --help`;
}
