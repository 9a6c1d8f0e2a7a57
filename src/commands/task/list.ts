import type { Context } from '../../runtime/context';
import { formatTable } from '../../runtime/output';
import { UsageError } from '../../domain/errors';
import { TASK_STATES, TERMINAL_TASK_STATES, type TaskState } from '../../domain/vocabulary';
import { liveWorker, type WorkerRecord } from '../../tasks/workerLiveness';
import { findLayer } from '../shared/lookup';
import { taskJson } from './view';
import { resumeCommand, workerDied } from './workerState';

interface Flags {
  all?: boolean;
  layer?: string;
  state?: string;
}

/**
 * Tasks not yet ended (all with --all), filtered by layer and state, with the live worker of each
 * wherever it runs (a remote state shares heartbeats). A task whose worker died is marked, with
 * the command that gets it going again.
 */
export async function run(ctx: Context, flags: Flags): Promise<void> {
  const state = await (await ctx.store()).read();
  const wanted = flags.state !== undefined ? taskState(flags.state) : undefined;
  const layer = flags.layer !== undefined ? findLayer(state, flags.layer) : undefined;
  const tasks = state.tasks.filter(
    (t) =>
      (wanted ? t.state === wanted : flags.all || !TERMINAL_TASK_STATES.includes(t.state)) && (!layer || t.layerId === layer.id),
  );
  const workers = new Map<string, WorkerRecord | null>();
  const died = new Set<string>();
  await Promise.all(
    tasks
      .filter((t) => !TERMINAL_TASK_STATES.includes(t.state) && t.state !== 'ActionRequired')
      .map(async (t) => {
        workers.set(t.id, await liveWorker(ctx, t.id));
        if (await workerDied(ctx, t)) died.add(t.id);
      }),
  );
  const workerOf = (id: string) => {
    const w = workers.get(id);
    return w ? { pid: w.pid, host: w.host } : null;
  };
  if (ctx.io.json)
    return ctx.out.json(
      tasks.map((t) => ({ ...taskJson(t, state), worker: workerOf(t.id), workerDied: died.has(t.id), resume: died.has(t.id) ? resumeCommand(t) : null })),
    );
  if (tasks.length === 0) {
    const filtered = wanted || layer;
    return ctx.out.info(filtered ? 'No task matches.' : flags.all ? 'No tasks yet.' : 'No tasks in progress (elm task list --all shows ended ones).');
  }
  ctx.out.data(
    formatTable(
      ctx.out.style,
      ['ID', 'KIND', 'STATE', 'PROGRESS', 'LAYER', 'VERSION', 'STARTED', 'WORKER'],
      tasks.map((t) => {
        const w = workerOf(t.id);
        return [
          t.id,
          t.kind,
          died.has(t.id) ? `${t.state}, worker died: ${resumeCommand(t)}` : t.state,
          `${t.progress}%`,
          state.layers.find((l) => l.id === t.layerId)?.name ?? t.layerId,
          t.version,
          t.startedAt,
          w ? `${w.pid}@${w.host}` : '',
        ];
      }),
    ),
  );
}

/** --state, in any letter case; an unknown one is exit 2 listing the states. */
function taskState(value: string): TaskState {
  const found = TASK_STATES.find((s) => s.toLowerCase() === value.toLowerCase());
  if (!found) throw new UsageError(`--state "${value}" is not a task state; use one of ${TASK_STATES.join(', ')}.`);
  return found;
}
