import { watch, type FSWatcher } from 'node:fs';
import type { Context } from '../runtime/context';
import { CancelledError, ElmError, ExitCode, TimeoutError } from '../domain/errors';
import { formatDuration } from '../domain/duration';
import type { Task } from '../domain/state';
import { progressDisplay } from '../runtime/progress';
import { type RunOutcome, workIsOver } from './runner';
import { spawnWorker } from './spawnWorker';
import { refuseRepositoryElsewhere } from './repositoryRefusal';
import { liveWorker, STALE_MS, workerStarting } from './workerLiveness';

export interface WaitOptions {
  timeoutMs?: number;
  /** What the progress line says, e.g. "Creating the packaging disk". */
  label: string;
  /**
   * No worker was started for this wait: a dead one is replaced at once rather than after the
   * grace period a just-spawned worker gets to write its first heartbeat.
   */
  resumeAtOnce?: boolean;
  /**
   * The task runs in this process (runWhileWaiting): no worker is started for it meanwhile, its
   * end wakes the wait at once, and its crash ends the wait with its error.
   */
  runningHere?: Promise<RunOutcome>;
}

/** Counts state reads, for the benchmark's "status reads per second while waiting". */
export const waitStats = { reads: 0 };

/**
 * Waits until a task's work is over (terminal or ActionRequired). No busy polling: it sleeps with
 * backoff and wakes early when the state file changes. A task whose worker died is resumed by
 * starting a new worker, so `task wait` and `finalize --wait` finish what a killed process began.
 */
export async function waitForTask(ctx: Context, taskId: string, opts: WaitOptions): Promise<Task> {
  const store = await ctx.store();
  const started = Date.now();
  const deadline = opts.timeoutMs !== undefined ? started + opts.timeoutMs : Infinity;
  const display = await progressDisplay(ctx.io, ctx.out.messageStyle, opts.label);
  // SIGTERM while only waiting (the work is a worker's) stops the wait like Ctrl-C, so the live
  // line is cleared and the task's fate said; exit 143. A run here has its own handler
  // (runWhileWaiting: `task cancel` signals this process).
  const term = new AbortController();
  const onTerm = () => term.abort();
  if (!opts.runningHere) process.on('SIGTERM', onTerm);
  const stop = AbortSignal.any([ctx.signal, term.signal]);
  let wake: (() => void) | null = null;
  let watcher: FSWatcher | null = null;
  try {
    watcher = watch(ctx.home, () => wake?.());
    watcher.unref();
  } catch {
    watcher = null; // polling alone still works
  }
  let lastSpawn = opts.resumeAtOnce ? -Infinity : started;
  let delay = 100;
  let here: { running: boolean; outcome?: RunOutcome; error?: unknown } = { running: Boolean(opts.runningHere) };
  let wakeNow: (() => void) | null = null;
  opts.runningHere?.then(
    (outcome) => {
      here = { running: false, outcome };
      wakeNow?.();
    },
    (error: unknown) => {
      here = { running: false, error: error ?? new Error('the task run ended without a reason') };
      wakeNow?.();
    },
  );
  try {
    for (;;) {
      if (here.error) throw here.error;
      const runningBeforeRead = here.running;
      waitStats.reads += 1;
      const state = await store.read();
      const task = state.tasks.find((t) => t.id === taskId);
      if (!task) throw new Error(`task ${taskId} disappeared from the state`);
      display.update({ state: task.state, progress: task.progress, bytes: task.bytes ?? undefined });
      if (workIsOver(task)) return task;
      // A run here that was interrupted is handed over by its caller, not by this loop.
      const mayResume = !here.running && here.outcome !== 'interrupted';
      if (mayResume && Date.now() - lastSpawn > STALE_MS && !workerStarting(task) && !(await liveWorker(ctx, taskId))) {
        // A worker here that cannot reach the task's repository would only refuse: say where instead.
        await refuseRepositoryElsewhere(ctx.env, state, task);
        display.note(`Task ${taskId}'s worker is not running; resuming it.`);
        spawnWorker(ctx.home, taskId, ctx.env);
        lastSpawn = Date.now();
      }
      if (Date.now() >= deadline) {
        throw new TimeoutError(
          `Timed out after ${formatDuration(Date.now() - started)} waiting for task ${taskId} (${task.state}, ${task.progress}%); it goes on in the background: elm task wait ${taskId}`,
        );
      }
      if (term.signal.aborted) throw new ElmError(`Terminated; task ${taskId} goes on in the background: elm task wait ${taskId}`, ExitCode.terminated);
      if (ctx.signal.aborted) throw new CancelledError(`Stopped waiting; task ${taskId} goes on in the background: elm task wait ${taskId}`);
      if (runningBeforeRead && !here.running) continue; // the run here just ended: read its outcome now
      await new Promise<void>((resolve) => {
        // One abort listener per sleep, removed when the sleep ends: a long wait must not pile
        // them up (MaxListenersExceededWarning on stderr after ten rounds).
        const done = () => {
          clearTimeout(timer);
          stop.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(delay, Math.max(0, deadline - Date.now())));
        wakeNow = here.running ? done : null;
        wake = () => {
          clearTimeout(timer);
          // Let the writer finish its rename before reading.
          setTimeout(done, 20);
        };
        stop.addEventListener('abort', done, { once: true });
      });
      wake = null;
      wakeNow = null;
      delay = Math.min(Math.round(delay * 1.5), 1000);
    }
  } finally {
    process.off('SIGTERM', onTerm);
    watcher?.close();
    display.stop();
    if (ctx.env.ELM_WAIT_STATS) {
      // For the benchmark: how often waiting read the state (it must not busy-poll).
      const seconds = (Date.now() - started) / 1000;
      ctx.io.stderr.write(`wait-stats: ${waitStats.reads} reads in ${seconds.toFixed(2)}s\n`);
    }
  }
}
