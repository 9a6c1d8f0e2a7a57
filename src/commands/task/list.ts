import type { Context } from '../../runtime/context';
import { formatTable } from '../../runtime/output';
import { TERMINAL_TASK_STATES } from '../../domain/vocabulary';
import { taskJson } from './view';

export async function run(ctx: Context, flags: { all?: boolean }): Promise<void> {
  const state = await (await ctx.store()).read();
  const tasks = state.tasks.filter((t) => flags.all || !TERMINAL_TASK_STATES.includes(t.state));
  if (ctx.io.json) return ctx.out.json(tasks.map((t) => taskJson(t, state)));
  if (tasks.length === 0) return ctx.out.info(flags.all ? 'No tasks yet.' : 'No tasks in progress (elm task list --all shows ended ones).');
  ctx.out.data(
    formatTable(
      ctx.out.style,
      ['ID', 'KIND', 'STATE', 'PROGRESS', 'LAYER', 'VERSION', 'STARTED'],
      tasks.map((t) => [t.id, t.kind, t.state, `${t.progress}%`, state.layers.find((l) => l.id === t.layerId)?.name ?? t.layerId, t.version, t.startedAt]),
    ),
  );
}
