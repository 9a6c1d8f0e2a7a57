import type { Command } from 'commander';
import type { Context } from './context';
import type { GlobalFlags } from './io';

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
    const opts = cmd.optsWithGlobals() as O & GlobalFlags;
    const [{ run }, { createContext }] = await Promise.all([load(), import('./context.js')]);
    const ctx = await createContext(opts, globalAbort().signal);
    await run(ctx, opts, args);
  };
}

/** Collects a repeatable flag (--recipe a --recipe b). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
