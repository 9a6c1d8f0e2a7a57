/**
 * The read-only commands scripts call most (`task list`, `layer list`) without commander: building
 * the program and parsing with it costs more than the command itself. Only a plain command line
 * takes this path (the two command words, then flags this table knows, each value given); anything
 * else (a global option before the command, `--`, an unknown or empty flag, a remote state)
 * returns false and runs through commander, which gives the usage errors. What runs is the same
 * run function with the same context and error reporting, so the output is the same byte for byte
 * (test/cli/fastPath.test.ts compares the two, and that this table matches the commander one).
 */
import type { GlobalFlags } from '../runtime/io';
import type { RunFunction } from './action';
import { watchProcess } from './processHooks';
import { printOnlyStreams } from '../runtime/printOnlyStreams';

interface FastCommand {
  /** The command's own flags: `--name` for a switch, `--name <v>` for a value. */
  flags: string[];
  load: () => { run: RunFunction<Record<string, unknown>> };
}

/** The global flags every leaf command takes (src/cli/program.ts), minus the remote-state ones. */
const GLOBAL_FLAGS = ['--home <dir>', '--json', '--no-input', '--no-color', '--verbose'];

export const FAST_COMMANDS: Record<string, FastCommand> = {
  'task list': {
    flags: ['--all', '--layer <layer>', '--state <state>'],
    load: () => require('../commands/task/list.js'),
  },
  'layer list': { flags: [], load: () => require('../commands/layer/list.js') },
};

/** Environment variables that fill global options (commander's `.env()`): a remote state or an appliance is not a fast one. */
const REMOTE_STATE_ENV = ['ELM_STATE', 'ELM_STATE_ACCOUNT_KEY_ENV', 'ELM_STATE_SAS_ENV', 'ELM_APPLIANCE'];

/**
 * Runs argv (process.argv) here if it is a plain fast command, settling when it is done (errors
 * reported, process.exitCode set); null if commander must parse it.
 */
export function runFast(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> | null {
  const words = argv.slice(2);
  const name = `${words[0]} ${words[1]}`;
  const command = Object.hasOwn(FAST_COMMANDS, name) ? FAST_COMMANDS[name] : undefined;
  if (!command || REMOTE_STATE_ENV.some((k) => env[k] !== undefined)) return null;
  const opts = parseFlags(words.slice(2), [...command.flags, ...GLOBAL_FLAGS]);
  if (!opts) return null;
  return execute(command, opts, argv, env);
}

/**
 * Flags as commander gives them to the run function (`--no-color` → color: false, `--layer x` and
 * `--layer=x` → layer: 'x', the last one winning), or null for anything unusual.
 */
export function parseFlags(args: string[], known: string[]): Record<string, unknown> | null {
  const opts: Record<string, unknown> = {};
  for (let i = 0; i < args.length; i++) {
    const [name, inline] = args[i].startsWith('--') && args[i].includes('=') ? splitOnce(args[i]) : [args[i], undefined];
    const spec = known.find((k) => k === name || k.startsWith(`${name} <`));
    if (!spec) return null;
    const key = camel(name.replace(/^--(no-)?/, ''));
    if (!spec.includes('<')) {
      if (inline !== undefined) return null;
      opts[key] = !name.startsWith('--no-');
      continue;
    }
    const value = inline ?? args[++i];
    // An empty value or one that looks like a flag: commander's own reading and errors apply.
    if (value === undefined || value.trim() === '' || value.startsWith('-')) return null;
    opts[key] = value;
  }
  return opts;
}

function splitOnce(arg: string): [string, string] {
  const at = arg.indexOf('=');
  return [arg.slice(0, at), arg.slice(at + 1)];
}

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

async function execute(command: FastCommand, opts: Record<string, unknown>, argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const interrupted = watchProcess({ ownStdout: true });
  try {
    const { globalAbort } = require('./action.js') as typeof import('./action');
    const { createContext } = require('../runtime/context.js') as typeof import('../runtime/context');
    // What commander would merge: a typed value, else the environment (ELM_HOME), else the default.
    const flags: GlobalFlags = {
      home: (opts.home as string | undefined) ?? env.ELM_HOME,
      json: opts.json as boolean | undefined,
      input: opts.input !== false,
      color: opts.color !== false,
      verbose: opts.verbose as boolean | undefined,
    };
    const ctx = await createContext(flags, () => globalAbort().signal, printOnlyStreams());
    await command.load().run(ctx, { ...flags, ...opts }, []);
    if (interrupted()) process.exitCode = 130;
  } catch (e) {
    const { reportError } = require('./reportError.js') as typeof import('./reportError');
    process.exitCode = await reportError(e, argv, interrupted());
  }
}
