import type { Connector, ProgressSink } from '../connectors/connector';
import type { ConnectorConfig, State, Task } from '../domain/state';
import type { StateStore } from '../store/stateStore';

export type UndoReason = 'interrupted' | 'failed' | 'canceled';

/** What a step sees while it runs. */
export interface StepContext {
  /** The task as it was when the step started (params, earlier steps' data). */
  task: Task;
  store: StateStore;
  home: string;
  env: NodeJS.ProcessEnv;
  /** Aborted when the task is cancelled or the worker is interrupted. */
  signal: AbortSignal;
  progress: ProgressSink;
  /** Records data on the running step before it finishes (e.g. a partial file to clean up). */
  record(data: Record<string, unknown>): Promise<void>;
  /** Data a finished earlier step produced. */
  stepData(name: string): Record<string, unknown>;
  connector(config: ConnectorConfig): Promise<Connector>;
  /** Runs another task (a part of this one, e.g. a build's packaging disk) to its end in this process. */
  runTask(taskId: string): Promise<void>;
  /** Cancels a part of this task in this process: its partial step is undone, it ends Canceled. */
  cancelTask(taskId: string): Promise<void>;
  log(line: string): void;
}

/**
 * One recorded step of a task. run must be safe to call again after undo: a worker killed in the
 * middle of a step leaves it Running, and the next worker undoes it and runs it afresh.
 */
export interface StepDefinition {
  name: string;
  /** Share of the task's progress bar this step takes (weights are normalised). */
  weight?: number;
  /** What the step does; a step that only changes the state at the end has applyAtEnd instead. */
  run?(ctx: StepContext): Promise<Record<string, unknown> | void>;
  /**
   * For a last step that only changes the state (records what the task made): applied inside the
   * task's final write, which also records this step and the one before it Done. No write of its
   * own, where the operator waits for the end; a run killed before that write leaves the step
   * before it to be run again, so that one must be safe to repeat.
   */
  applyAtEnd?(state: State, task: Task, now: Date): void;
  /**
   * Removes what a partial run left (partial files, half-created resources). `reason` says why:
   * `interrupted` (the worker died mid-step and the step is about to run again, so a step that
   * resumes its own work may keep it), `failed` or `canceled`.
   */
  undo?(ctx: StepContext, data: Record<string, unknown>, reason: UndoReason): Promise<void>;
  /**
   * false: a run of this step that failed or was interrupted is never run again (an installer that
   * is not safe to run twice); the task fails saying so instead of undoing and rerunning it.
   */
  rerunnable?: false;
  /**
   * true: a safe point comes only after this step (e.g. an ARM deployment in flight): `task cancel`
   * lets it finish and the task stops right after it. An interrupt of the worker still stops it.
   */
  finishBeforeCancel?: true;
}

export interface TaskDefinition {
  kind: Task['kind'];
  steps: StepDefinition[];
  /** The state a task reaches after its last step: ActionRequired for a packaging disk, Complete otherwise. */
  finish(state: State, task: Task, now: Date): void;
  /** Applies the failure to the layer version (e.g. back to Finalizable, or Broken). */
  fail(state: State, task: Task, error: Error, now: Date): void;
  /**
   * Runs after a step failed, before the task is recorded Failed (e.g. a build deletes what it
   * created). What it returns is added to the task's description: what was done about it.
   */
  onFailed?(ctx: StepContext, error: Error): Promise<string | void>;
  /** Applies a cancellation to the layer version. */
  cancel(state: State, task: Task, now: Date): void;
  /**
   * Runs when the task is cancelled, after its partial step was undone and before it is recorded
   * Canceled (e.g. a build deletes what it created). What it returns ends the task's description.
   */
  onCanceled?(ctx: StepContext): Promise<string | void>;
}
