import type { ConnectorEnvironment } from '../connectors/connector';
import { hostName } from '../domain/hostName';
import { NotReadyError } from '../domain/errors';
import { repositoryElsewhere } from './repositoryRefusal';
import type { State, Task, TaskStep } from '../domain/state';
import { TERMINAL_TASK_STATES } from '../domain/vocabulary';
import { childTasks } from '../domain/childTasks';
import type { StateStore } from '../store/stateStore';
import type { StepContext, StepDefinition, TaskDefinition } from './taskDefinition';
import { loadTaskDefinition } from './taskKinds';
import { clearHeartbeat, liveWorker, startHeartbeat, writeHeartbeat } from './workerLiveness';

export interface RunnerDeps {
  store: StateStore;
  home: string;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  log(line: string): void;
  /**
   * What an abort of `signal` means when the task's own cancel was not requested: 'cancel' (a
   * detached worker stopped by `task cancel`) or 'hand-over' (the run in a waiting command ended
   * early: the task is left for a detached worker, as a killed worker leaves it).
   */
  onAbort?: 'cancel' | 'hand-over';
}

export type RunOutcome = 'finished' | 'failed' | 'canceled' | 'interrupted' | 'busy' | 'nothing-to-do';

function findTask(state: State, id: string): Task {
  const t = state.tasks.find((x) => x.id === id);
  if (!t) throw new Error(`task ${id} not found`);
  return t;
}

/** Tasks whose work is over: terminal, or waiting for the operator (the packaging disk is ready). */
export function workIsOver(task: Task): boolean {
  return TERMINAL_TASK_STATES.includes(task.state) || task.state === 'ActionRequired';
}

/**
 * Runs a task to its end, step by step. Each step is recorded Running before and Done after it
 * runs, so a worker killed at any point leaves a state the next runner understands: Done steps are
 * skipped, a step left Running is undone and run again.
 */
export async function runTask(taskId: string, deps: RunnerDeps): Promise<RunOutcome> {
  const { store } = deps;
  const me = { pid: process.pid, host: hostName(deps.env), taskId, startedAt: new Date().toISOString() };
  let elsewhere: string | null = null;
  const claimed = await store.mutate(async (state) => {
    const task = findTask(state, taskId);
    if (workIsOver(task)) return 'nothing-to-do' as const;
    const other = await liveWorker(deps, taskId);
    if (other && !(other.pid === me.pid && other.host === me.host)) return 'busy' as const;
    // Not claimed where its files cannot go: the task is left as it is, for a machine that can.
    elsewhere = await repositoryElsewhere(deps.env, state, task);
    if (elsewhere) return 'elsewhere' as const;
    await writeHeartbeat(deps, me);
    task.worker = { pid: me.pid, host: me.host, heartbeatAt: me.startedAt };
    if (task.state === 'Pending') task.state = 'Running';
    return task.cancelRequested ? ('cancel' as const) : ('run' as const);
  });
  if (claimed === 'nothing-to-do' || claimed === 'busy') return claimed;
  if (claimed === 'elsewhere') throw new NotReadyError(elsewhere!);
  const stopHeartbeat = await startHeartbeat(deps, taskId);
  try {
    const task = findTask(await store.read(), taskId);
    const def = await loadTaskDefinition(task.kind, task.params);
    if (claimed === 'cancel') return await cancelTask(def, taskId, deps);
    return await runSteps(def, taskId, deps);
  } finally {
    stopHeartbeat();
    await clearHeartbeat(deps, taskId);
  }
}

/** Progress writes of a step still in flight, so the step's end is recorded after them (never overwritten by them). */
const pendingProgress = new WeakMap<StepContext, Promise<void>>();

function stepContext(task: Task, def: TaskDefinition, step: StepDefinition, deps: RunnerDeps, signal: AbortSignal): StepContext {
  const weights = def.steps.map((s) => s.weight ?? 1);
  const total = weights.reduce((a, b) => a + b, 0);
  const index = def.steps.indexOf(step);
  const before = weights.slice(0, index).reduce((a, b) => a + b, 0);
  let lastWrite = 0;
  const envt: ConnectorEnvironment = { home: deps.home, env: deps.env };
  const ctx: StepContext = {
    task,
    store: deps.store,
    home: deps.home,
    env: deps.env,
    signal,
    log: deps.log,
    stepData: (name) => task.steps.find((s) => s.name === name)?.data ?? {},
    async record(data) {
      await deps.store.mutate((state) => {
        const rec = findTask(state, task.id).steps.find((s) => s.name === step.name);
        if (rec) rec.data = { ...rec.data, ...data };
      });
    },
    progress(fraction, message, bytes) {
      // Progress is advisory: write it at most twice a second to keep the state file quiet. A
      // step's end needs no write of its own: recording it Done sets the progress.
      const now = Date.now();
      if (fraction >= 1 && !message) return;
      if (now - lastWrite < 500 && !message) return;
      lastWrite = now;
      const pct = Math.min(100, Math.round(((before + weights[index] * Math.max(0, Math.min(1, fraction))) / total) * 100));
      const write = (pendingProgress.get(ctx) ?? Promise.resolve()).then(() =>
        deps.store
          .mutate((state) => {
            const t = findTask(state, task.id);
            t.progress = Math.max(t.progress, pct);
            if (bytes) t.bytes = { done: bytes.done, total: bytes.total };
            if (message) t.description = message;
          })
          .then(
            () => undefined,
            (e) => deps.log(`progress not recorded: ${(e as Error).message}`),
          ),
      );
      pendingProgress.set(ctx, write);
      if (message) deps.log(message);
    },
    async connector(config) {
      const { loadConnector } = await import('../connectors/registry.js');
      return loadConnector(config, envt);
    },
    async runTask(childId) {
      // The part stops as this task stops: handed over on an interrupt, left for the next runner.
      await runTask(childId, { ...deps, signal, onAbort: 'hand-over' });
    },
    async cancelTask(childId) {
      const child = findTask(await deps.store.read(), childId);
      if (workIsOver(child)) return;
      await cancelTask(await loadTaskDefinition(child.kind, child.params), childId, { ...deps, signal: new AbortController().signal });
    },
  };
  return ctx;
}

/** A step that has just run, recorded Done with the next write (one write per step boundary). */
interface FinishedStep {
  name: string;
  data: Record<string, unknown> | void;
  /** The task's progress once this step is done. */
  progress: number;
}

function recordDone(task: Task, done: FinishedStep): void {
  const s = task.steps.find((x) => x.name === done.name)!;
  s.state = 'Done';
  s.endedAt = new Date().toISOString();
  s.data = { ...s.data, ...(done.data ?? {}) };
  task.progress = Math.max(task.progress, done.progress);
  delete task.bytes; // the next step counts its own bytes
}

function recordRunning(task: Task, name: string): void {
  const fresh: TaskStep = { name, state: 'Running', startedAt: new Date().toISOString(), endedAt: null, data: {} };
  task.steps = [...task.steps.filter((s) => s.name !== name), fresh];
  task.state = 'Running';
}

type StepStart =
  | { kind: 'stop'; cancelRequested: boolean }
  | { kind: 'skip' }
  | { kind: 'undo'; task: Task; rec: TaskStep }
  | { kind: 'refuse'; rec: TaskStep }
  | { kind: 'run'; task: Task };

async function runSteps(def: TaskDefinition, taskId: string, deps: RunnerDeps): Promise<RunOutcome> {
  const weights = def.steps.map((s) => s.weight ?? 1);
  const total = weights.reduce((a, b) => a + b, 0);
  let finished: FinishedStep | null = null;
  let atEnd: StepDefinition | null = null;
  for (const [index, step] of def.steps.entries()) {
    if (step.applyAtEnd) {
      // Applied in the final write below; a step after it would never run.
      if (index !== def.steps.length - 1) throw new Error(`task kind ${def.kind}: step "${step.name}" applies at the end, so it must be the last step`);
      atEnd = step;
      break;
    }
    // One write records the previous step Done and this one Running.
    const previous: FinishedStep | null = finished;
    finished = null;
    const start = await deps.store.mutate((state): StepStart => {
      const t = findTask(state, taskId);
      if (previous) recordDone(t, previous);
      if (t.cancelRequested || deps.signal.aborted) return { kind: 'stop', cancelRequested: t.cancelRequested };
      const rec = t.steps.find((s) => s.name === step.name);
      if (rec?.state === 'Done') return { kind: 'skip' };
      if (rec && (rec.state === 'Running' || rec.state === 'Failed' || rec.state === 'Undone') && step.rerunnable === false) return { kind: 'refuse', rec: { ...rec } };
      if (rec && (rec.state === 'Running' || rec.state === 'Failed') && step.undo) return { kind: 'undo', task: t, rec: { ...rec } };
      recordRunning(t, step.name);
      return { kind: 'run', task: t };
    });
    if (start.kind === 'stop') return (await stopOutcome(def, taskId, deps, start.cancelRequested))!;
    if (start.kind === 'skip') continue;
    if (start.kind === 'refuse') {
      const how = start.rec.state === 'Running' ? 'was interrupted' : 'failed';
      const why = new Error(`step "${step.name}" ${how} and is not safe to run twice, so it is not run again; check the machine, then run the whole task anew (mark the step idempotent: true if it can run twice)`);
      return failTask(def, taskId, step, why, deps);
    }
    let task = start.task;
    if (start.kind === 'undo') {
      deps.log(`step ${step.name}: cleaning up what an interrupted run left`);
      await step.undo!(stepContext(task, def, step, deps, deps.signal), start.rec.data, start.rec.state === 'Running' ? 'interrupted' : 'failed');
      // The step runs again from its start: the progress says so, not the old pass's percentage.
      const stepStart = Math.round((weights.slice(0, index).reduce((a, b) => a + b, 0) / total) * 100);
      task = await deps.store.mutate((state) => {
        const t = findTask(state, taskId);
        recordRunning(t, step.name);
        t.progress = stepStart;
        t.bytes = null;
        return t;
      });
      deps.log(`step ${step.name}: restarted from its beginning, progress back to ${stepStart}%`);
    }
    const stepSignal = watchCancel(taskId, step, deps);
    const ctx = stepContext(task, def, step, deps, stepSignal.signal);
    deps.log(`step ${step.name}: started`);
    let data: Record<string, unknown> | void;
    try {
      data = await step.run!(ctx);
      await pendingProgress.get(ctx);
    } catch (e) {
      await pendingProgress.get(ctx);
      const current = findTask(await deps.store.read(), taskId);
      const stop = await stopOutcome(def, taskId, deps, current.cancelRequested);
      if (stop) return stop;
      return failTask(def, taskId, step, e as Error, deps);
    } finally {
      stepSignal.stop();
    }
    const progress = Math.round((weights.slice(0, index + 1).reduce((a, b) => a + b, 0) / total) * 100);
    finished = { name: step.name, data, progress };
    deps.log(`step ${step.name}: done`);
  }
  const last: FinishedStep | null = finished;
  if (atEnd) deps.log(`step ${atEnd.name}: started`);
  const stop = await deps.store.mutate((state) => {
    const t = findTask(state, taskId);
    if (last) recordDone(t, last);
    if (atEnd && (t.cancelRequested || deps.signal.aborted)) return { cancelRequested: t.cancelRequested };
    const now = new Date();
    if (atEnd) {
      recordRunning(t, atEnd.name);
      recordDone(t, { name: atEnd.name, data: undefined, progress: 100 });
      atEnd.applyAtEnd!(state, t, now);
    }
    t.progress = 100;
    t.worker = null;
    def.finish(state, t, now);
    return null;
  });
  if (stop) return (await stopOutcome(def, taskId, deps, stop.cancelRequested))!;
  if (atEnd) deps.log(`step ${atEnd.name}: done`);
  return 'finished';
}

/** How often a running step looks for a `task cancel` recorded in the state (a worker on another host gets no signal). */
export const CANCEL_POLL_MS = 2000;

/**
 * The signal a step runs with: aborted when the worker is interrupted (SIGTERM, a waiting command
 * ending) and when `task cancel` is recorded, so a long wait (a build step on the machine) ends
 * within seconds instead of at the next step. A step that finishes before a cancel keeps running
 * through a cancel (its abort comes only from an interrupt that is not a cancel).
 */
function watchCancel(taskId: string, step: StepDefinition, deps: RunnerDeps): { signal: AbortSignal; stop(): void } {
  const ctl = new AbortController();
  let stopped = false;
  const cancelRecorded = async () => findTask(await deps.store.read(), taskId).cancelRequested;
  const onAbort = () => {
    if (!step.finishBeforeCancel) return ctl.abort();
    void cancelRecorded().then(
      (cancel) => !cancel && ctl.abort(),
      () => ctl.abort(),
    );
  };
  if (deps.signal.aborted) onAbort();
  else deps.signal.addEventListener('abort', onAbort, { once: true });
  const timer = step.finishBeforeCancel
    ? null
    : setInterval(() => {
        if (stopped || ctl.signal.aborted) return;
        cancelRecorded().then(
          (cancel) => cancel && !stopped && ctl.abort(),
          () => undefined, // a state read that failed: the next one decides
        );
      }, CANCEL_POLL_MS);
  timer?.unref();
  return {
    signal: ctl.signal,
    stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      deps.signal.removeEventListener('abort', onAbort);
    },
  };
}

/** Whether the run stops here, and how: cancelled, or handed over with its step left to undo. */
async function stopOutcome(def: TaskDefinition, taskId: string, deps: RunnerDeps, cancelRequested: boolean): Promise<RunOutcome | null> {
  if (cancelRequested) return cancelTask(def, taskId, deps);
  if (!deps.signal.aborted) return null;
  if (deps.onAbort !== 'hand-over') return cancelTask(def, taskId, deps);
  // The step stays Running: the next runner undoes what it left, exactly as after a crash.
  await deps.store.mutate((state) => {
    findTask(state, taskId).worker = null;
  });
  deps.log('run interrupted; the task is left for another worker');
  return 'interrupted';
}

async function undoRunningStep(def: TaskDefinition, taskId: string, deps: RunnerDeps, reason: 'failed' | 'canceled'): Promise<void> {
  const task = findTask(await deps.store.read(), taskId);
  const rec = task.steps.find((s) => s.state === 'Running' || s.state === 'Failed');
  const step = rec && def.steps.find((s) => s.name === rec.name);
  if (!rec || !step?.undo) return;
  const quiet = new AbortController(); // the undo itself must not be aborted by the cancel
  await step.undo(stepContext(task, def, step, deps, quiet.signal), rec.data, reason);
  await deps.store.mutate((state) => {
    const s = findTask(state, taskId).steps.find((x) => x.name === rec.name);
    if (s) {
      s.state = 'Undone';
      s.endedAt = new Date().toISOString();
    }
  });
}

async function failTask(def: TaskDefinition, taskId: string, step: StepDefinition, error: Error, deps: RunnerDeps): Promise<RunOutcome> {
  deps.log(`step ${step.name}: failed: ${error.message}`);
  await undoRunningStep(def, taskId, deps, 'failed').catch((e) => deps.log(`cleanup after failure failed: ${(e as Error).message}`));
  let after = '';
  if (def.onFailed) {
    const quiet = new AbortController(); // the clean-up runs to its end whatever stopped the step
    const task = findTask(await deps.store.read(), taskId);
    after = await def.onFailed(stepContext(task, def, step, deps, quiet.signal), error).then(
      (said) => (said ? ` ${said}` : ''),
      (e) => ` Clean-up after the failure failed too: ${(e as Error).message}`,
    );
  }
  await deps.store.mutate((state) => {
    const t = findTask(state, taskId);
    // The step that threw is Failed (not left Running as after a crash), so a later run can tell them apart.
    const rec = t.steps.find((x) => x.name === step.name && x.state === 'Running');
    if (rec) rec.state = 'Failed';
    t.state = 'Failed';
    t.error = error.message;
    t.description = `Failed at step "${step.name}": ${error.message}${after}`;
    t.endedAt = new Date().toISOString();
    t.worker = null;
    def.fail(state, t, error, new Date());
  });
  return 'failed';
}

export async function cancelTask(def: TaskDefinition, taskId: string, deps: RunnerDeps): Promise<RunOutcome> {
  await deps.store.mutate((state) => {
    const t = findTask(state, taskId);
    t.state = 'Canceling';
  });
  await undoRunningStep(def, taskId, deps, 'canceled');
  const parts = await cancelChildren(taskId, deps);
  let after = '';
  if (def.onCanceled) {
    const task = findTask(await deps.store.read(), taskId);
    const rec = task.steps.find((s) => s.state === 'Running' || s.state === 'Undone') ?? task.steps[task.steps.length - 1];
    const step = def.steps.find((s) => s.name === rec?.name) ?? def.steps[0];
    const quiet = new AbortController(); // the clean-up runs to its end whatever stopped the task
    after = await def.onCanceled(stepContext(task, def, step, deps, quiet.signal)).then(
      (said) => (said ? ` ${said}` : ''),
      (e) => ` Clean-up after the cancel failed: ${(e as Error).message}`,
    );
  }
  await deps.store.mutate((state) => {
    const t = findTask(state, taskId);
    t.state = 'Canceled';
    t.description = after ? `Canceled by the operator.${parts}${after}` : `Canceled by the operator; the partial step was undone.${parts}`;
    t.endedAt = new Date().toISOString();
    t.worker = null;
    def.cancel(state, t, new Date());
  });
  return 'canceled';
}

/**
 * A cancelled task takes its unfinished parts with it (a build's packaging disk task): each undoes
 * its own partial step (the `.partial` it recorded making). Left alone, a part stays Running with
 * no worker, and removing the layer is refused until it is cancelled by hand. A part another live
 * worker runs is asked to cancel (it reads the request within seconds). Says what it did.
 */
async function cancelChildren(taskId: string, deps: RunnerDeps): Promise<string> {
  const state = await deps.store.read();
  const children = childTasks(state, findTask(state, taskId)).filter((c) => !workIsOver(c));
  const said: string[] = [];
  for (const child of children) {
    await deps.store.mutate((s) => {
      findTask(s, child.id).cancelRequested = true;
    });
    const other = await liveWorker(deps, child.id);
    if (other && !(other.pid === process.pid && other.host === hostName(deps.env))) {
      said.push(`Its part task ${child.id} (${child.kind}) runs in process ${other.pid} on ${other.host} and was asked to cancel.`);
      continue;
    }
    deps.log(`cancel: cancelling ${child.kind} task ${child.id}, a part of task ${taskId}`);
    const outcome = await cancelTask(await loadTaskDefinition(child.kind, child.params), child.id, { ...deps, signal: new AbortController().signal }).catch(
      (e: Error) => e,
    );
    said.push(outcome instanceof Error ? `Cancelling its part task ${child.id} (${child.kind}) failed: ${outcome.message}; cancel it with elm task cancel ${child.id}.` : `Its part task ${child.id} (${child.kind}) was cancelled too.`);
  }
  return said.map((l) => ` ${l}`).join('');
}
