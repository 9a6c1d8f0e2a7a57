import type { Context } from '../../runtime/context';
import { formatTable } from '../../runtime/output';
import { openBackend } from '../../store/stateBackend';
import { findTask } from '../shared/lookup';
import { taskJson } from './view';

export async function run(ctx: Context, _flags: unknown, [id]: string[]): Promise<void> {
  const state = await (await ctx.store()).read();
  const task = findTask(state, id);
  if (ctx.io.json) return ctx.out.json(taskJson(task, state));
  const j = taskJson(task, state);
  ctx.out.data(`Task ${task.id} ${task.kind}: ${task.state} (${task.progress}%) — ${j.layer.name ?? task.layerId} ${task.version}`);
  ctx.out.prose(j.description);
  if (task.steps.length) ctx.out.data(formatTable(ctx.out.style, ['STEP', 'STATE', 'STARTED', 'ENDED'], task.steps.map((s) => [s.name, s.state, s.startedAt, s.endedAt ?? ''])));
  ctx.out.info(`Log: ${(await openBackend(ctx)).logs.where(task.id)}`);
}
