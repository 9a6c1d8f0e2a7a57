import type { Task } from '../../domain/state';
import type { Where } from '../../store/stateBackend';
import { liveWorker, workerStarting } from '../../tasks/workerLiveness';

/**
 * A task that should be working (Pending, Running, Canceling) but whose worker is gone: nothing
 * moves it on until someone resumes it. A just-created task whose worker is starting is not dead.
 */
export async function workerDied(where: Where, task: Task): Promise<boolean> {
  if (!['Pending', 'Running', 'Canceling'].includes(task.state)) return false;
  if (workerStarting(task)) return false;
  return !(await liveWorker(where, task.id));
}

/** What an operator types to get a dead worker's task going again. */
export function resumeCommand(task: Task): string {
  return task.state === 'Canceling' ? `elm task cancel ${task.id}` : `elm task resume ${task.id}`;
}
