import { Command, CommanderError, Option } from 'commander';
import { globalAbort } from './action';
import { registerConnector } from './groups/connector';
import { registerDisk } from './groups/disk';
import { registerFinalize } from './groups/finalize';
import { registerIcon } from './groups/icon';
import { registerLayer } from './groups/layer';
import { registerMachine } from './groups/machine';
import { registerOsLayer } from './groups/osLayer';
import { registerTask } from './groups/task';
import { registerVerify } from './groups/verify';
import { reportError } from './reportError';

const VERSION: string = require('../../package.json').version;

export function buildProgram(): Command {
  const program = new Command('elm')
    .description('Citrix App Layering Platform Layers from the command line: create, package, verify, finalize.')
    .version(VERSION, '--version', 'print the elm version')
    .enablePositionalOptions()
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({ outputError: () => undefined });
  program.addHelpText(
    'after',
    `
Lifecycle:
  elm layer create      create the layer and its packaging disk (wizard on a terminal)
  elm machine deploy-link
                        how to get the packaging machine running
  elm verify            layer integrity: exit 3 while something blocks finalize
  elm finalize --wait   import the layer; exit 0 when Deployable

Exit codes: 0 done, 1 failed, 2 bad input, 3 not ready, 4 timed out, 5 conflict, 130 cancelled.`,
  );
  for (const register of [
    registerConnector,
    registerOsLayer,
    registerIcon,
    registerLayer,
    registerDisk,
    registerMachine,
    registerVerify,
    registerFinalize,
    registerTask,
  ]) {
    register(program);
  }
  addGlobalOptions(program);
  program.commands.forEach(applyErrorHandling);
  return program;
}

/**
 * The global options live on the program and on every leaf command, so they work before or
 * after the subcommand, while a leaf's own `--version <v>` never collides with `elm --version`.
 */
function addGlobalOptions(program: Command): void {
  // One set of Option objects shared by every command: building them per command costs startup time.
  const shared = [
    new Option('--home <dir>', 'elm home: state.json, the default file share, the layer repository, task logs').env('ELM_HOME'),
    new Option('--json', 'print exactly one JSON document on stdout'),
    new Option('--no-input', 'never prompt; fail naming every missing flag'),
    new Option('--no-color', 'no colours (also NO_COLOR, TERM=dumb)'),
    new Option('--verbose', 'more detail on stderr'),
  ];
  for (const cmd of [program, ...leaves(program)]) shared.forEach((o) => cmd.addOption(o));
}

function leaves(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => (c.commands.length ? leaves(c) : [c]));
}

/** Subcommands inherit exit-override so usage errors reach one handler (exit 2, one line). */
function applyErrorHandling(cmd: Command): void {
  cmd.exitOverride().configureOutput({ outputError: () => undefined });
  cmd.commands.forEach(applyErrorHandling);
}

export async function main(argv: string[]): Promise<void> {
  let interrupted = false;
  process.on('SIGINT', () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    globalAbort().abort();
    // Long steps clean up on abort; if nothing is listening, leave promptly with 130.
    setTimeout(() => process.exit(130), 3000).unref();
  });
  try {
    await buildProgram().parseAsync(argv);
    if (interrupted) process.exitCode = 130;
  } catch (e) {
    if (e instanceof CommanderError && (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help')) {
      process.exitCode = 0;
      return;
    }
    process.exitCode = await reportError(e, argv, interrupted);
  }
}
