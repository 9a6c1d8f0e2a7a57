/**
 * Each task's log: a detached worker's stdout and stderr (`<home>/logs/task-<id>.log` on the
 * machine that runs it), or the lines of a run inside a waiting command; with a remote state the
 * lines also go to the append blob beside it, so `elm task logs` reads them from any machine.
 */
import { FileTaskLogStore } from '../store/fileTaskLogStore';
import { openBackend, type Where } from '../store/stateBackend';
import { stateLocation } from '../store/stateLocation';

/** The local file a detached worker's stdout and stderr go to (the file store's own path). */
export function taskLogPath(home: string, taskId: string): string {
  return new FileTaskLogStore(home).where(taskId);
}

/** A line logger for a run in this process; a log that cannot be written never stops the task. */
export function taskLogger(where: Where, taskId: string): (line: string) => void {
  if (isLocal(where)) {
    // Written synchronously, so a line logged just before the process exits is kept.
    const file = new FileTaskLogStore(where.home);
    return (line) => void file.append(taskId, `${new Date().toISOString()} ${line}\n`);
  }
  const logs = openBackend(where).then((b) => b.logs);
  logs.catch(() => undefined);
  return (line) => {
    const text = `${new Date().toISOString()} ${line}\n`;
    logs.then((l) => l.append(taskId, text)).catch(() => undefined);
  };
}

function isLocal(where: Where): boolean {
  try {
    return stateLocation(where.home, where.env).kind === 'file';
  } catch {
    return true; // a bad --state is reported by the state store; the log stays local meanwhile
  }
}
