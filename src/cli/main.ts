import { type Command, CommanderError } from 'commander';
import { ExitCode } from '../domain/errors';
import { watchProcess } from './processHooks';
import { buildProgram } from './program';
import { missingCommandError, reportError } from './reportError';

/**
 * `elm help environment` is a help topic; `elm help layer create` is `elm layer create --help`
 * (commander's own help command stops at the first word). Flags (--json) go along.
 */
function helpTopic(argv: string[]): string[] | 'environment' {
  if (argv[2] !== 'help' || argv.length < 4) return argv;
  const rest = argv.slice(3);
  const words = rest.filter((w) => !w.startsWith('-'));
  if (words.length === 1 && words[0] === 'environment') return 'environment';
  return [...argv.slice(0, 2), ...rest, '--help'];
}

/**
 * `elm help nosuch` and `elm help layer nosuch` name no command: a usage error, where commander
 * would show the help of the last command it knows.
 */
function refuseUnknownHelpTopic(program: Command, argv: string[]): void {
  let cmd = program;
  for (const word of argv.slice(2).filter((w) => !w.startsWith('-'))) {
    if (!cmd.commands.length) return; // a leaf: the remaining words are its arguments
    const sub = cmd.commands.find((c) => c.name() === word);
    if (!sub) throw new CommanderError(ExitCode.usage, 'commander.unknownCommand', `error: unknown command '${word}'`);
    cmd = sub;
  }
}

export async function main(rawArgv: string[]): Promise<void> {
  const topic = helpTopic(rawArgv);
  if (topic === 'environment') {
    const { environmentHelpDocument, environmentHelpText } = await import('./help/environment.js');
    if (!rawArgv.includes('--json')) return void process.stdout.write(environmentHelpText());
    const { writeJsonDocument } = await import('../runtime/output.js');
    writeJsonDocument(process.stdout, Boolean(process.stdout.isTTY), environmentHelpDocument());
    return;
  }
  const argv = topic;
  const interrupted = watchProcess();
  try {
    const program = buildProgram(argv);
    if (argv !== rawArgv) refuseUnknownHelpTopic(program, argv);
    await program.parseAsync(argv);
    if (interrupted()) process.exitCode = 130;
  } catch (e) {
    if (e instanceof CommanderError && (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help')) {
      // Help asked for is exit 0; help shown because a command group was called without its
      // subcommand (`elm connector`) is a usage error: commander signals it with a non-zero exitCode.
      if (e.exitCode === 0) return void (process.exitCode = 0);
      process.exitCode = await reportError(missingCommandError(argv), argv, interrupted());
      return;
    }
    process.exitCode = await reportError(e, argv, interrupted());
  }
}
