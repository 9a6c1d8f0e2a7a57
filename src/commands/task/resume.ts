import type { Context } from '../../runtime/context';
import { ConflictError, ExitCode, UsageError } from '../../domain/errors';
import { runTask, workIsOver } from '../../tasks/runner';
import { liveWorker } from '../../tasks/workerLiveness';
import { findTask } from '../shared/lookup';
import { taskJson } from './view';

/**
 * Resumes a task whose worker died, or retries a failed one from the step that failed, in this
 * process (so a CI job sees it through). Finished steps are not repeated.
 */
export async function run(ctx: Context, _flags: unknown, [id]: string[]): Promise<void> {
  const store = await ctx.store();
  const task = findTask(await store.read(), id);
  if (task.state === 'Canceled' || task.state === 'Complete') throw new UsageError(`Task ${id} is ${task.state}; there is nothing to resume.`);
  if (task.state === 'ActionRequired') throw new UsageError(`Task ${id} is waiting for the operator (ActionRequired), not interrupted: ${task.description}`);
  const worker = await liveWorker(ctx.home, id);
  if (worker && !workIsOver(task)) throw new ConflictError(`Task ${id} is running in worker process ${worker.pid}; wait for it with elm task wait ${id}.`);
  if (task.state === 'Failed') {
    await store.mutate((state) => {
      const t = findTask(state, id);
      t.state = 'Running';
      t.error = null;
      t.endedAt = null;
    });
  }
  if (!ctx.io.json) ctx.out.info(`Resuming task ${id} (${task.kind}) from step ${task.steps.find((s) => s.state !== 'Done')?.name ?? 'start'}…`);
  const { taskLogger } = await import('../../tasks/taskLog.js');
  const toLog = taskLogger(ctx.home, id);
  toLog(`resuming task ${id} in process ${process.pid}`);
  const outcome = await runTask(id, {
    store,
    home: ctx.home,
    env: ctx.env,
    signal: ctx.signal,
    log: (line) => {
      toLog(line); // a build step's output belongs in the task log, whoever runs it
      ctx.out.verbose(line);
    },
  });
  if (outcome === 'busy') throw new ConflictError(`Task ${id} was picked up by another worker meanwhile; elm task wait ${id}.`);
  const state = await store.read();
  const done = findTask(state, id);
  if (done.state === 'Failed' || done.state === 'Canceled') process.exitCode = ExitCode.failed;
  if (ctx.io.json) return ctx.out.json(taskJson(done, state));
  if (done.state === 'Failed') ctx.out.error(`Task ${id} failed again: ${done.error}`);
  else ctx.out.success(`Task ${id} ${done.kind}: ${done.state}`);
  ctx.out.data(done.description);
}
