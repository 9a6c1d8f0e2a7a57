import { CommanderError } from 'commander';
import { watchProcess } from './processHooks';
import { buildProgram } from './program';
import { missingCommandError, reportError } from './reportError';

/**
 * `elm help environment` is a help topic; `elm help layer create` is `elm layer create --help`
 * (commander's own help command stops at the first word).
 */
function helpTopic(argv: string[]): string[] | 'environment' {
  if (argv[2] !== 'help' || argv.length < 4) return argv;
  const words = argv.slice(3);
  if (words[0] === 'environment' && words.length === 1) return 'environment';
  return [...argv.slice(0, 2), ...words, '--help'];
}

export async function main(rawArgv: string[]): Promise<void> {
  const topic = helpTopic(rawArgv);
  if (topic === 'environment') {
    const { ENVIRONMENT_HELP } = await import('./help/environment.js');
    process.stdout.write(ENVIRONMENT_HELP);
    return;
  }
  const argv = topic;
  const interrupted = watchProcess();
  try {
    await buildProgram(argv).parseAsync(argv);
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
