import type { Task } from '../../domain/state';
import { CancelledError } from '../../domain/errors';
import type { Context } from '../../runtime/context';

/**
 * Cancelling undoes the task's partial step (a half-written disk, a half-imported layer), so on a
 * terminal it asks first (default no) unless --yes. Without a terminal it cancels as asked: the
 * documented `elm task cancel ID` (README, 'Tasks') is what scripts and CI jobs call to stop
 * work, and it has no --yes. A task already Canceling was confirmed when its cancel was asked
 * for: finishing that cancel (its worker died) asks nothing.
 */
export async function confirmCancel(ctx: Context, yes: boolean | undefined, task: Task): Promise<void> {
  if (yes || task.state === 'Canceling' || !ctx.io.canPrompt) return;
  const what = `task ${task.id} (${task.kind})`;
  const ok = await (await ctx.prompter()).confirm({ message: `Cancel ${what}? ${task.description} Its partial step is undone.`, default: false });
  if (!ok) throw new CancelledError(`Nothing cancelled: ${what} goes on.`);
}
