import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { homePaths } from '../domain/home';
import { processAlive } from '../store/processAlive';

/** A worker touches its heartbeat file this often; one silent for STALE_MS is dead. */
export const HEARTBEAT_MS = 1000;
export const STALE_MS = 5000;

export interface WorkerRecord {
  pid: number;
  host: string;
  taskId: string;
  startedAt: string;
}

export function heartbeatPath(home: string, taskId: string): string {
  return path.join(homePaths(home).workers, `task-${taskId}.json`);
}

export async function writeHeartbeat(home: string, rec: WorkerRecord): Promise<void> {
  await fs.mkdir(homePaths(home).workers, { recursive: true, mode: 0o700 });
  await fs.writeFile(heartbeatPath(home, rec.taskId), JSON.stringify(rec), { mode: 0o600 });
}

/**
 * The live worker of a task, if any. The heartbeat lives in its own small file rather than the
 * state so a busy worker does not rewrite the whole state every second.
 */
export async function liveWorker(home: string, taskId: string): Promise<WorkerRecord | null> {
  const file = heartbeatPath(home, taskId);
  try {
    const [raw, st] = await Promise.all([fs.readFile(file, 'utf8'), fs.stat(file)]);
    const rec = JSON.parse(raw) as WorkerRecord;
    if (Date.now() - st.mtimeMs > STALE_MS) return null;
    if (rec.host === os.hostname() && !processAlive(rec.pid)) return null;
    return rec;
  } catch {
    return null;
  }
}

/**
 * A task created moments ago whose worker has not claimed it yet: a detached worker takes a few
 * hundred milliseconds to start and write its heartbeat, and must not be taken for a dead one.
 */
export function workerStarting(task: { state: string; startedAt: string }, now = Date.now()): boolean {
  return task.state === 'Pending' && now - Date.parse(task.startedAt) < STALE_MS;
}

export async function clearHeartbeat(home: string, taskId: string): Promise<void> {
  await fs.rm(heartbeatPath(home, taskId), { force: true });
}

/** Keeps the heartbeat file fresh until stopped. */
export function startHeartbeat(home: string, taskId: string): () => void {
  const file = heartbeatPath(home, taskId);
  const timer = setInterval(() => {
    const now = new Date();
    fs.utimes(file, now, now).catch(() => undefined);
  }, HEARTBEAT_MS);
  timer.unref();
  return () => clearInterval(timer);
}
