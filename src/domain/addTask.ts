import type { State, Task } from './state';

/** What a command (or a task starting a part) says about new work; the rest starts the same for every task. */
export type NewTask = Pick<Task, 'kind' | 'description' | 'layerId' | 'version' | 'params'>;

/** Records a new Pending task with the next id, inside the caller's mutation. */
export function addTask(state: State, fields: NewTask, now: Date): Task {
  const task: Task = {
    id: String(state.nextId),
    state: 'Pending',
    progress: 0,
    startedAt: now.toISOString(),
    endedAt: null,
    steps: [],
    worker: null,
    error: null,
    cancelRequested: false,
    ...fields,
  };
  state.nextId += 1;
  state.tasks.push(task);
  return task;
}
