import type { Task } from '../../domain/state';
import { CancelledError, UsageError } from '../../domain/errors';
import type { Context } from '../../runtime/context';

/**
 * Cancelling undoes the task's partial step (a half-written disk, a half-imported layer): like the
 * remove commands, it asks first on a terminal and a script says --yes; without a terminal and
 * without --yes nothing is cancelled (exit 2). A task already Canceling was confirmed when its
 * cancel was asked for: finishing that cancel (its worker died) asks nothing.
 */
export async function confirmCancel(ctx: Context, yes: boolean | undefined, task: Task): Promise<void> {
  if (yes || task.state === 'Canceling') return;
  const what = `task ${task.id} (${task.kind})`;
  if (!ctx.io.canPrompt) throw new UsageError(`Not cancelling ${what} without confirmation: pass --yes (there is no terminal to ask on).`);
  const ok = await (await ctx.prompter()).confirm({ message: `Cancel ${what}? ${task.description} Its partial step is undone.`, default: false });
  if (!ok) throw new CancelledError(`Nothing cancelled: ${what} goes on.`);
}
