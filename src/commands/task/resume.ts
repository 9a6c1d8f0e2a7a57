import type { Context } from '../../runtime/context';
import { ConflictError, ExitCode, UsageError } from '../../domain/errors';
import { runTask, workIsOver } from '../../tasks/runner';
import { liveWorker } from '../../tasks/workerLiveness';
import { runWhileWaiting } from '../../tasks/runWhileWaiting';
import { spawnWorker } from '../../tasks/spawnWorker';
import { refuseRepositoryElsewhere } from '../../tasks/repositoryRefusal';
import { findTask } from '../shared/lookup';
import { waitChoice } from '../shared/waitChoice';
import { taskJson } from './view';

/**
 * Resumes a task whose worker died, or retries a failed one from the step that failed, in this
 * process (so a CI job sees it through). Finished steps are not repeated.
 */
export async function run(ctx: Context, flags: { wait?: boolean; timeout?: string }, [id]: string[]): Promise<void> {
  const { wait, timeoutMs } = waitChoice(flags, true);
  const store = await ctx.store();
  const before = await store.read();
  const task = findTask(before, id);
  if (task.state === 'Canceled' || task.state === 'Complete') throw new UsageError(`Task ${id} is ${task.state}; there is nothing to resume.`);
  if (task.state === 'ActionRequired') throw new UsageError(`Task ${id} is waiting for the operator (ActionRequired), not interrupted: ${task.description}`);
  const worker = await liveWorker(ctx, id);
  if (worker && !workIsOver(task)) throw new ConflictError(`Task ${id} is running in worker process ${worker.pid} on ${worker.host}; wait for it with elm task wait ${id}.`);
  await refuseRepositoryElsewhere(ctx.env, before, task);
  if (task.state === 'Failed') {
    await store.mutate((state) => {
      const t = findTask(state, id);
      t.state = 'Running';
      t.error = null;
      t.endedAt = null;
    });
  }
  const from = task.steps.find((s) => s.state !== 'Done')?.name ?? 'start';
  if (!wait) {
    spawnWorker(ctx.home, id, ctx.env);
    if (ctx.io.json) return ctx.out.json(taskJson(findTask(await store.read(), id), await store.read()));
    return ctx.out.success(`Task ${id} (${task.kind}) resumes from step ${from} in the background: elm task wait ${id}, or elm task logs ${id} -f.`);
  }
  if (!ctx.io.json) ctx.out.info(`Resuming task ${id} (${task.kind}) from step ${from}…`);
  if (timeoutMs !== undefined) {
    // A limited wait hands the task over to a detached worker when the time is up (exit 4).
    await runWhileWaiting(ctx, id, { label: `Task ${id}`, timeoutMs });
  } else {
    const { taskLogger } = await import('../../tasks/taskLog.js');
    const toLog = taskLogger(ctx, id);
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
  }
  const state = await store.read();
  const done = findTask(state, id);
  if (done.state === 'Failed' || done.state === 'Canceled') process.exitCode = ExitCode.failed;
  if (ctx.io.json) return ctx.out.json(taskJson(done, state));
  if (done.state === 'Failed') ctx.out.error(`Task ${id} failed again: ${done.error}`);
  else ctx.out.success(`Task ${id} ${done.kind}: ${done.state}`);
  ctx.out.data(done.description);
}
