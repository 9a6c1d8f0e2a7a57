import type { Command, Option } from 'commander';
import { UsageError } from '../domain/errors';
import type { Context } from '../runtime/context';
import type { GlobalFlags } from '../runtime/io';

/** A command's run function: the parsed options, the positional arguments, the injected context. */
export type RunFunction<O> = (ctx: Context, opts: O, args: string[]) => Promise<void>;

let abort: AbortController | undefined;
export function globalAbort(): AbortController {
  abort ??= new AbortController();
  return abort;
}

/**
 * Wraps a lazily imported run function as a commander action, so `elm --help` never loads the
 * modules of the commands it is not running.
 */
export function lazyAction<O>(load: () => Promise<{ run: RunFunction<O> }>) {
  return async (...all: unknown[]) => {
    const cmd = all[all.length - 1] as Command;
    const args = all.slice(0, -2).flat().filter((a): a is string => typeof a === 'string');
    const opts = mergedOptions(cmd) as O & GlobalFlags;
    refuseEmptyPaths(cmd, opts as Record<string, unknown>);
    if (opts.appliance) (await import('../appliance/scope.js')).refuseOutsideAppliance(commandWords(cmd), opts.appliance);
    const [{ run }, { createContext }] = await Promise.all([load(), import('../runtime/context.js')]);
    const ctx = await createContext(mergedOptions(cmd, 'global') as GlobalFlags, () => globalAbort().signal);
    await run(ctx, opts, args);
  };
}

/**
 * The options of a leaf command and of its ancestors (the global options live on both, so they can
 * be given before or after the subcommand). commander's optsWithGlobals() lets an ancestor's
 * *default* override what was typed on the leaf (`elm layer list --no-color` stayed coloured,
 * `--home` lost to ELM_HOME, `--no-input` was ignored), so values are ranked by where they came
 * from: typed > environment > default; on a tie the command nearer the leaf wins.
 */
function mergedOptions(cmd: Command, only: 'all' | 'global' = 'all'): Record<string, unknown> {
  const rank = (source: string | undefined) => (source === 'cli' ? 4 : source === 'env' ? 3 : source === 'default' || source === undefined ? 1 : 2);
  const chain: Command[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) chain.unshift(c);
  // A leaf's own option that shares a global's name (`task list --state S` beside the global
  // `--state URL`) is the leaf's: the global's value reaches only the context.
  const own = new Set(cmd.options.filter((o) => !GLOBAL_OPTIONS.has(o)).map((o) => o.attributeName()));
  const out: Record<string, unknown> = {};
  const outRank: Record<string, number> = {};
  for (const c of chain) {
    for (const o of c.options) {
      const key = o.attributeName();
      if (only === 'global' ? !GLOBAL_OPTIONS.has(o) : c !== cmd && own.has(key)) continue;
      const value = c.getOptionValue(key);
      if (value === undefined && !(key in c.opts())) continue;
      const r = rank(c.getOptionValueSource(key));
      if (!(key in out) || r >= outRank[key]) {
        out[key] = value;
        outRank[key] = r;
      }
    }
  }
  return out;
}

/** The options every command takes (--home, --json, --state...), marked where the program adds them. */
export const GLOBAL_OPTIONS = new WeakSet<Option>();

/** Flags whose value names a file or folder: an empty one would silently mean the current folder. */
const PATH_ARGUMENT = /<[^>]*(?:path|dir|file|\.yaml)[^>]*>/;

function refuseEmptyPaths(cmd: Command, opts: Record<string, unknown>): void {
  for (let c: Command | null = cmd; c; c = c.parent) {
    for (const o of c.options) {
      if (!PATH_ARGUMENT.test(o.flags) || c.getOptionValueSource(o.attributeName()) !== 'cli') continue;
      const value = opts[o.attributeName()];
      if (typeof value === 'string' && value.trim() === '') throw new UsageError(`${o.long ?? o.flags} is empty; give a path.`);
    }
  }
}

/** `layer version add` for the command being run (its path without `elm`). */
function commandWords(cmd: Command): string {
  const words: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) words.unshift(c.name());
  return words.join(' ');
}

/** Collects a repeatable flag (--recipe a --recipe b). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
