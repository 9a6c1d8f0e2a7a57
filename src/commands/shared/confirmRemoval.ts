import type { Context } from '../../runtime/context';
import { DeclinedError, UsageError } from '../../domain/errors';

/**
 * Destructive commands ask first on a terminal; a script says --yes. Without a terminal and
 * without --yes nothing is removed (exit 2), so a forgotten flag never deletes by surprise.
 */
export async function confirmRemoval(ctx: Context, yes: boolean | undefined, what: string): Promise<void> {
  if (yes) return;
  if (!ctx.io.canPrompt) throw new UsageError(`Not removing ${what} without confirmation: pass --yes (there is no terminal to ask on).`);
  const ok = await (await ctx.prompter()).confirm({ message: `Remove ${what}? This cannot be undone.`, default: false });
  if (!ok) throw new DeclinedError(`Nothing removed: ${what} stays.`);
}
