import type { Context } from '../../runtime/context';
import { formatTable } from '../../runtime/output';
import { TERMINAL_TASK_STATES } from '../../domain/vocabulary';
import { liveWorker, type WorkerRecord } from '../../tasks/workerLiveness';
import { taskJson } from './view';

export async function run(ctx: Context, flags: { all?: boolean }): Promise<void> {
  const state = await (await ctx.store()).read();
  const tasks = state.tasks.filter((t) => flags.all || !TERMINAL_TASK_STATES.includes(t.state));
  // The live worker of each task in progress, wherever it runs (a remote state shares heartbeats).
  const workers = new Map<string, WorkerRecord | null>();
  await Promise.all(tasks.filter((t) => !TERMINAL_TASK_STATES.includes(t.state) && t.state !== 'ActionRequired').map(async (t) => workers.set(t.id, await liveWorker(ctx, t.id))));
  const workerOf = (id: string) => {
    const w = workers.get(id);
    return w ? { pid: w.pid, host: w.host } : null;
  };
  if (ctx.io.json) return ctx.out.json(tasks.map((t) => ({ ...taskJson(t, state), worker: workerOf(t.id) })));
  if (tasks.length === 0) return ctx.out.info(flags.all ? 'No tasks yet.' : 'No tasks in progress (elm task list --all shows ended ones).');
  ctx.out.data(
    formatTable(
      ctx.out.style,
      ['ID', 'KIND', 'STATE', 'PROGRESS', 'LAYER', 'VERSION', 'STARTED', 'WORKER'],
      tasks.map((t) => {
        const w = workerOf(t.id);
        const worker = w ? `${w.pid}@${w.host}` : workers.has(t.id) ? 'none (elm task resume)' : '';
        return [t.id, t.kind, t.state, `${t.progress}%`, state.layers.find((l) => l.id === t.layerId)?.name ?? t.layerId, t.version, t.startedAt, worker];
      }),
    ),
  );
}
