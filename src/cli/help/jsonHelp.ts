import type { Command, Help, Option } from 'commander';
import { GLOBAL_OPTIONS } from '../action';
import { commandPath } from './commandPath';
import { EXAMPLES, REQUIRED_OR_ASKED } from './examples';
import { EXIT_CODES, LIFECYCLE } from './overview';

/**
 * `--help --json`: the help of a command as one JSON document, built from what the text help
 * shows (commander's Help), so the two never disagree:
 *
 *   {command, usage, description, arguments: [{name, required, variadic}],
 *    options: [{flags, long, short, value, description, required, askedOnTerminal, default, env}],
 *    globalOptions: [...same], commands: [{name, command, description}], examples: [string]}
 *
 * and, for `elm` itself, lifecycle: [{command, description}] and exitCodes: [{code, meaning}].
 */
export function helpDocument(cmd: Command, helper: Help): Record<string, unknown> {
  const path = commandPath(cmd);
  const root = rootOf(cmd);
  const asked = REQUIRED_OR_ASKED[path] ?? [];
  const globals = root.options.filter((o) => GLOBAL_OPTIONS.has(o));
  const own = helper.visibleOptions(cmd).filter((o) => !GLOBAL_OPTIONS.has(o));
  const doc: Record<string, unknown> = {
    command: ['elm', path].filter(Boolean).join(' '),
    usage: helper.commandUsage(cmd),
    description: helper.commandDescription(cmd),
    arguments: cmd.registeredArguments.map((a) => ({ name: a.name(), required: a.required, variadic: a.variadic })),
    options: own.map((o) => optionDocument(o, asked)),
    globalOptions: globals.map((o) => optionDocument(o, [])),
    commands: helper.visibleCommands(cmd).map((c) => ({ name: c.name(), command: `elm ${commandPath(c)}`, description: helper.subcommandDescription(c) })),
    examples: cmd === root ? LIFECYCLE.map((l) => l.command) : examples(EXAMPLES[path] ?? []),
  };
  if (cmd === root) Object.assign(doc, { lifecycle: LIFECYCLE, exitCodes: EXIT_CODES });
  return doc;
}

function optionDocument(o: Option, asked: string[]) {
  const takesValue = o.required || o.optional;
  const value = takesValue ? (o.flags.match(/\s[<[](.*)[>\]]$/)?.[1] ?? null) : null;
  const askedOnTerminal = !o.mandatory && Boolean(o.long && asked.includes(o.long));
  return {
    flags: o.flags,
    long: o.long ?? null,
    short: o.short ?? null,
    value,
    description: o.description,
    required: o.mandatory || askedOnTerminal,
    askedOnTerminal,
    default: takesValue ? (o.defaultValue ?? null) : null,
    env: o.envVar ?? null,
  };
}

/** Each example as one command line: continuation lines joined, comment padding shortened. */
function examples(lines: string[]): string[] {
  const out: string[] = [];
  let pending = '';
  for (const line of lines) {
    const text = `${pending}${pending ? line.trim() : line}`;
    if (/\s\\$/.test(text)) pending = `${text.replace(/\s*\\$/, '')} `;
    else {
      out.push(text.replace(/\s{2,}#/, '  #'));
      pending = '';
    }
  }
  return out;
}

function rootOf(cmd: Command): Command {
  let c = cmd;
  while (c.parent) c = c.parent;
  return c;
}
