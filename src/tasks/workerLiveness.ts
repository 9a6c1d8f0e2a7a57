/**
 * Task workers' liveness, through the backend beside the state (files under ELM_HOME, or blobs
 * beside a remote state: see src/store/workerRegistry.ts), so a worker on another machine that
 * shares the state counts as alive, and one that died anywhere as dead.
 */
import { openBackend, type Where } from '../store/stateBackend';
import { STALE_MS, type WorkerRecord } from '../store/workerRegistry';

export { HEARTBEAT_MS, STALE_MS, type WorkerRecord } from '../store/workerRegistry';

export async function writeHeartbeat(where: Where, rec: WorkerRecord): Promise<void> {
  await (await openBackend(where)).workers.write(rec);
}

/** The live worker of a task, if any. */
export async function liveWorker(where: Where, taskId: string): Promise<WorkerRecord | null> {
  return (await openBackend(where)).workers.live(taskId);
}

/**
 * A task created moments ago whose worker has not claimed it yet: a detached worker takes a few
 * hundred milliseconds to start and write its heartbeat, and must not be taken for a dead one.
 */
export function workerStarting(task: { state: string; startedAt: string }, now = Date.now()): boolean {
  return task.state === 'Pending' && now - Date.parse(task.startedAt) < STALE_MS;
}

export async function clearHeartbeat(where: Where, taskId: string): Promise<void> {
  await (await openBackend(where)).workers.clear(taskId);
}

/** Keeps the heartbeat fresh until stopped. */
export async function startHeartbeat(where: Where, taskId: string): Promise<() => void> {
  return (await openBackend(where)).workers.startHeartbeat(taskId);
}
