import type { Context } from '../../runtime/context';
import type { Task } from '../../domain/state';
import { UsageError } from '../../domain/errors';
import { hostName } from '../../domain/hostName';
import { TERMINAL_TASK_STATES } from '../../domain/vocabulary';
import { cancelTask } from '../../tasks/runner';
import { loadTaskDefinition } from '../../tasks/taskKinds';
import { liveWorker } from '../../tasks/workerLiveness';
import { waitForTask } from '../../tasks/waitForTask';
import { findTask } from '../shared/lookup';
import { confirmCancel } from './confirmCancel';
import { taskJson } from './view';

/**
 * Cancels a task: the live worker is told (SIGTERM) and undoes its partial step itself; with no
 * live worker, the partial step is undone here.
 */
export async function run(ctx: Context, flags: { yes?: boolean }, [id]: string[]): Promise<void> {
  if (ctx.appliance) return (await import('../appliance/tasks.js')).cancel(ctx, ctx.appliance, id);
  const store = await ctx.store();
  await confirmCancel(ctx, flags.yes, cancellable(findTask(await store.read(), id)));
  // Checked again under the lock: the task may have ended while the question was open.
  const task = await store.mutate((state) => {
    const t = cancellable(findTask(state, id));
    t.cancelRequested = true;
    return t;
  });
  const worker = await liveWorker(ctx, id);
  if (worker) {
    // A worker on another machine (shared remote state) reads the request from the state within seconds.
    if (worker.host === hostName(ctx.env)) {
      try {
        process.kill(worker.pid, 'SIGTERM');
      } catch {
        // it ended meanwhile: the wait below sees the outcome
      }
    } else if (!ctx.io.json) {
      ctx.out.info(`Task ${id} runs in process ${worker.pid} on ${worker.host}; it sees the cancel within seconds, stops and undoes its partial step.`);
    }
    // A cancel cleans up too (a build deletes its machine and disks), which takes minutes on a cloud.
    await waitForTask(ctx, id, { label: `Cancelling task ${id}`, timeoutMs: 15 * 60_000 });
  } else {
    const def = await loadTaskDefinition(task.kind, task.params);
    await cancelTask(def, id, { store, home: ctx.home, env: ctx.env, signal: ctx.signal, log: (l) => ctx.out.verbose(l) });
  }
  const state = await store.read();
  const done = findTask(state, id);
  if (ctx.io.json) return ctx.out.json(taskJson(done, state));
  ctx.out.success(`Task ${id}: ${done.state}. ${done.description}`);
}

/** The task, if there is work of it to cancel. */
function cancellable(task: Task): Task {
  if (TERMINAL_TASK_STATES.includes(task.state)) throw new UsageError(`Task ${task.id} already ended (${task.state}); nothing to cancel.`);
  if (task.state === 'ActionRequired')
    throw new UsageError(`Task ${task.id} finished its work and waits for the operator; there is nothing running to cancel.`);
  return task;
}
