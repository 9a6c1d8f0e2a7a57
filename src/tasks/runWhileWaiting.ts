/**
 * `--wait` runs the task in this process instead of a detached worker: no second Node start-up,
 * and its end is seen at once rather than on the next state read. The task stays as durable as
 * ever: its steps are recorded the same way, and a process killed outright leaves it to be
 * resumed like a dead worker's.
 *
 * When the wait ends before the task does (Ctrl-C, --timeout, a plain SIGTERM), the run stops at
 * once and a detached worker takes the task over: it undoes the interrupted step and goes on, as
 * it would after a crash, so "it goes on in the background" stays true.
 */
import type { Context } from '../runtime/context';
import { CancelledError, ElmError, ExitCode } from '../domain/errors';
import type { Task } from '../domain/state';
import { type RunOutcome, runTask } from './runner';
import { spawnWorker } from './spawnWorker';
import { taskLogger } from './taskLog';
import { waitForTask, type WaitOptions } from './waitForTask';

/** After SIGTERM, leave within this even if something hangs (the task is resumable anyway). */
const TERM_GRACE_MS = 10_000;

export async function runWhileWaiting(ctx: Context, taskId: string, opts: Omit<WaitOptions, 'runningHere'>): Promise<Task> {
  const store = await ctx.store();
  const interrupt = new AbortController();
  const toLog = taskLogger(ctx, taskId);
  toLog(`running task ${taskId} in waiting process ${process.pid}`);
  const stopWaiting = new AbortController();
  const here: Promise<RunOutcome> = runTask(taskId, {
    store,
    home: ctx.home,
    env: ctx.env,
    signal: interrupt.signal,
    log: (line) => {
      toLog(line);
      ctx.out.verbose(line);
    },
    onAbort: 'hand-over',
  }).then((outcome) => {
    // Only SIGTERM interrupts the run while the wait goes on: stop waiting too.
    if (outcome === 'interrupted') stopWaiting.abort();
    return outcome;
  });
  // `elm task cancel` signals the worker recorded on the task, which is now this process: the
  // runner then finds the cancel request in the state and cancels. Any other SIGTERM hands over.
  let terminated = false;
  const onTerm = () => {
    terminated = true;
    interrupt.abort();
    setTimeout(() => process.exit(ExitCode.terminated), TERM_GRACE_MS).unref();
  };
  process.on('SIGTERM', onTerm);
  const waitCtx: Context = { ...ctx, signal: AbortSignal.any([ctx.signal, stopWaiting.signal]) };
  try {
    const task = await waitForTask(waitCtx, taskId, { ...opts, runningHere: here });
    await here; // the run's own last steps (its heartbeat removed) before the command reports
    return task;
  } catch (e) {
    interrupt.abort();
    const outcome = await here.catch(() => null);
    if (outcome === 'interrupted') spawnWorker(ctx.home, taskId, ctx.env);
    if (terminated && e instanceof CancelledError)
      throw new ElmError(`Terminated; task ${taskId} goes on in the background: elm task wait ${taskId}`, ExitCode.terminated);
    throw e;
  } finally {
    process.off('SIGTERM', onTerm);
  }
}
