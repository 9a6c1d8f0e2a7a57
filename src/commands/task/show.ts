import type { Context } from '../../runtime/context';
import { formatTable } from '../../runtime/output';
import { TERMINAL_TASK_STATES } from '../../domain/vocabulary';
import { openBackend } from '../../store/stateBackend';
import { liveWorker } from '../../tasks/workerLiveness';
import { findTask } from '../shared/lookup';
import { taskJson } from './view';
import { resumeCommand, workerDied } from './workerState';

/**
 * One task and its steps. A task that should be working shows its worker, or (like task list)
 * that its worker died, with the command that gets it going again.
 */
export async function run(ctx: Context, _flags: unknown, [id]: string[]): Promise<void> {
  if (ctx.appliance) return (await import('../appliance/tasks.js')).show(ctx, ctx.appliance, id);
  const state = await (await ctx.store()).read();
  const task = findTask(state, id);
  const working = !TERMINAL_TASK_STATES.includes(task.state) && task.state !== 'ActionRequired';
  const w = working ? await liveWorker(ctx, task.id) : null;
  const worker = w ? { pid: w.pid, host: w.host } : null;
  const died = working && (await workerDied(ctx, task));
  const resume = died ? resumeCommand(task) : null;
  if (ctx.io.json) return ctx.out.json({ ...taskJson(task, state), worker, workerDied: died, resume });
  const j = taskJson(task, state);
  ctx.out.data(`Task ${task.id} ${task.kind}: ${task.state} (${task.progress}%) — ${j.layer.name ?? task.layerId} ${task.version}`);
  if (died) ctx.out.data(`Worker: died; nothing moves this task on until: ${resume}`);
  else if (worker) ctx.out.data(`Worker: process ${worker.pid} on ${worker.host}`);
  ctx.out.prose(j.description);
  if (task.steps.length) ctx.out.data(formatTable(ctx.out.style, ['STEP', 'STATE', 'STARTED', 'ENDED'], task.steps.map((s) => [s.name, s.state, s.startedAt, s.endedAt ?? ''])));
  ctx.out.info(`Log: ${(await openBackend(ctx)).logs.where(task.id)}`);
}
