import os from 'node:os';
import type { ConnectorEnvironment } from '../connectors/connector';
import type { State, Task, TaskStep } from '../domain/state';
import { TERMINAL_TASK_STATES } from '../domain/vocabulary';
import type { StateStore } from '../store/stateStore';
import { loadTaskDefinition, type StepContext, type StepDefinition, type TaskDefinition } from './taskDefinition';
import { clearHeartbeat, liveWorker, startHeartbeat, writeHeartbeat } from './workerLiveness';

export interface RunnerDeps {
  store: StateStore;
  home: string;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  log(line: string): void;
}

export type RunOutcome = 'finished' | 'failed' | 'canceled' | 'busy' | 'nothing-to-do';

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
  const { store, home } = deps;
  const me = { pid: process.pid, host: os.hostname(), taskId, startedAt: new Date().toISOString() };
  const claimed = await store.mutate(async (state) => {
    const task = findTask(state, taskId);
    if (workIsOver(task)) return 'nothing-to-do' as const;
    const other = await liveWorker(home, taskId);
    if (other && other.pid !== process.pid) return 'busy' as const;
    await writeHeartbeat(home, me);
    task.worker = { pid: me.pid, host: me.host, heartbeatAt: me.startedAt };
    if (task.state === 'Pending') task.state = 'Running';
    return task.cancelRequested ? ('cancel' as const) : ('run' as const);
  });
  if (claimed === 'nothing-to-do' || claimed === 'busy') return claimed;
  const stopHeartbeat = startHeartbeat(home, taskId);
  try {
    const task = findTask(await store.read(), taskId);
    const def = await loadTaskDefinition(task.kind);
    if (claimed === 'cancel') return await cancelTask(def, taskId, deps);
    return await runSteps(def, taskId, deps);
  } finally {
    stopHeartbeat();
    await clearHeartbeat(home, taskId);
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
    progress(fraction, message) {
      // Progress is advisory: write it at most twice a second to keep the state file quiet.
      const now = Date.now();
      if (now - lastWrite < 500 && fraction < 1) return;
      lastWrite = now;
      const pct = Math.min(100, Math.round(((before + weights[index] * Math.max(0, Math.min(1, fraction))) / total) * 100));
      const write = (pendingProgress.get(ctx) ?? Promise.resolve()).then(() =>
        deps.store
          .mutate((state) => {
            const t = findTask(state, task.id);
            t.progress = Math.max(t.progress, pct);
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
  };
  return ctx;
}

async function runSteps(def: TaskDefinition, taskId: string, deps: RunnerDeps): Promise<RunOutcome> {
  for (const step of def.steps) {
    const task = findTask(await deps.store.read(), taskId);
    if (task.cancelRequested || deps.signal.aborted) return cancelTask(def, taskId, deps);
    const rec = task.steps.find((s) => s.name === step.name);
    if (rec?.state === 'Done') continue;
    const ctx = stepContext(task, def, step, deps, deps.signal);
    if (rec && (rec.state === 'Running' || rec.state === 'Failed') && step.undo) {
      deps.log(`step ${step.name}: cleaning up what an interrupted run left`);
      await step.undo(ctx, rec.data, rec.state === 'Running' ? 'interrupted' : 'failed');
    }
    await deps.store.mutate((state) => {
      const t = findTask(state, taskId);
      const fresh: TaskStep = { name: step.name, state: 'Running', startedAt: new Date().toISOString(), endedAt: null, data: {} };
      t.steps = [...t.steps.filter((s) => s.name !== step.name), fresh];
      t.state = 'Running';
    });
    deps.log(`step ${step.name}: started`);
    let data: Record<string, unknown> | void;
    try {
      data = await step.run(ctx);
      await pendingProgress.get(ctx);
    } catch (e) {
      await pendingProgress.get(ctx);
      const current = findTask(await deps.store.read(), taskId);
      if (current.cancelRequested || deps.signal.aborted) return cancelTask(def, taskId, deps);
      return failTask(def, taskId, step, e as Error, deps);
    }
    await deps.store.mutate((state) => {
      const t = findTask(state, taskId);
      const s = t.steps.find((x) => x.name === step.name)!;
      s.state = 'Done';
      s.endedAt = new Date().toISOString();
      s.data = { ...s.data, ...(data ?? {}) };
    });
    deps.log(`step ${step.name}: done`);
  }
  await deps.store.mutate((state) => {
    const t = findTask(state, taskId);
    t.progress = 100;
    t.worker = null;
    def.finish(state, t, new Date());
  });
  return 'finished';
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
  await deps.store.mutate((state) => {
    const t = findTask(state, taskId);
    t.state = 'Failed';
    t.error = error.message;
    t.description = `Failed at step "${step.name}": ${error.message}`;
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
  await deps.store.mutate((state) => {
    const t = findTask(state, taskId);
    t.state = 'Canceled';
    t.description = 'Canceled by the operator; the partial step was undone.';
    t.endedAt = new Date().toISOString();
    t.worker = null;
    def.cancel(state, t, new Date());
  });
  return 'canceled';
}
