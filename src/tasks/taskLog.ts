/**
 * Each task's log file (`<home>/logs/task-<id>.log`): a detached worker's stdout and stderr, or
 * the lines of a run inside a waiting command, so `elm task show` points at one place either way.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { homePaths } from '../domain/home';

export function taskLogPath(home: string, taskId: string): string {
  return path.join(homePaths(home).logs, `task-${taskId}.log`);
}

/** A line logger for a run in this process; a log that cannot be written never stops the task. */
export function taskLogger(home: string, taskId: string): (line: string) => void {
  const file = taskLogPath(home, taskId);
  let ready = false;
  return (line) => {
    try {
      if (!ready) mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      ready = true;
      appendFileSync(file, `${new Date().toISOString()} ${line}\n`, { mode: 0o600 });
    } catch {
      // the task's state records what matters; the log is for people
    }
  };
}
