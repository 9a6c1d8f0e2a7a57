import type { Context } from '../../runtime/context';
import { ExitCode } from '../../domain/errors';
import { parseDuration } from '../../domain/duration';
import { waitForTask } from '../../tasks/waitForTask';
import { findTask } from '../shared/lookup';
import { taskJson } from './view';

/** Waits until the task ends or needs the operator; exit 1 when it failed or was cancelled. */
export async function run(ctx: Context, flags: { timeout?: string }, [id]: string[]): Promise<void> {
  if (ctx.appliance) return (await import('../appliance/tasks.js')).wait(ctx, ctx.appliance, id, flags.timeout);
  const timeoutMs = flags.timeout !== undefined ? parseDuration(flags.timeout, '--timeout') : undefined;
  const store = await ctx.store();
  findTask(await store.read(), id);
  const task = await waitForTask(ctx, id, { timeoutMs, label: `Task ${id}`, resumeAtOnce: true });
  const state = await store.read();
  if (task.state === 'Failed' || task.state === 'Canceled') process.exitCode = ExitCode.failed;
  if (ctx.io.json) return ctx.out.json(taskJson(task, state));
  const line = `Task ${task.id} ${task.kind}: ${task.state}`;
  if (task.state === 'Failed') ctx.out.error(`${line}: ${task.error ?? task.description}`);
  else ctx.out.success(line);
  ctx.out.prose(taskJson(task, state).description);
}
