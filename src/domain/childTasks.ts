import type { State, Task } from './state';

/**
 * The tasks a task runs as its parts, as the state records them: a LayerBuild's packaging disk
 * task (its params.createTaskId), and the parts a build made for itself (DeployMachine, Finalize:
 * their params.buildTaskId). Only LayerBuild reads createTaskId as a child: its parts copy the
 * build's params, createTaskId with them, and the packaging disk task is not theirs.
 */
export function childTasks(state: State, parent: Task): Task[] {
  const createTaskId = parent.kind === 'LayerBuild' ? parent.params.createTaskId : undefined;
  return state.tasks.filter((t) => t.id !== parent.id && (t.id === createTaskId || t.params.buildTaskId === parent.id));
}
