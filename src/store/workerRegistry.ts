/**
 * Where task workers announce they are alive: a heartbeat per task, kept beside the state (files
 * under ELM_HOME, or blobs beside a remote state), so `task list`, `task wait` and `finalize --wait`
 * on any machine that shares the state see a worker on another and resume a task whose worker died.
 */

/** A worker refreshes its heartbeat this often; one silent for STALE_MS is dead. */
export const HEARTBEAT_MS = 1000;
export const STALE_MS = 5000;

export interface WorkerRecord {
  pid: number;
  host: string;
  taskId: string;
  startedAt: string;
}

export interface WorkerRegistry {
  /** Announces this worker for its task. */
  write(rec: WorkerRecord): Promise<void>;
  /** The task's worker if it is alive (fresh heartbeat; on this host, its process also running). */
  live(taskId: string): Promise<WorkerRecord | null>;
  clear(taskId: string): Promise<void>;
  /** Keeps the heartbeat of a written record fresh until the returned function is called. */
  startHeartbeat(taskId: string): () => void;
}
