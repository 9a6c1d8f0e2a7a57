import { spawn } from 'node:child_process';
import { openSync, mkdirSync, closeSync } from 'node:fs';
import path from 'node:path';
import { homePaths } from '../domain/home';
import { taskLogPath } from './taskLog';

/**
 * Starts a worker that outlives this command (its own process group, no stdio tied to ours), so
 * an operator can close the terminal and a script can move on while the disk is written.
 */
export function spawnWorker(home: string, taskId: string, env: NodeJS.ProcessEnv): number {
  const logs = homePaths(home).logs;
  mkdirSync(logs, { recursive: true, mode: 0o700 });
  const fd = openSync(taskLogPath(home, taskId), 'a', 0o600);
  const child = spawn(process.execPath, [path.join(__dirname, 'workerMain.js'), home, taskId], {
    detached: true,
    stdio: ['ignore', fd, fd],
    // The home as resolved once by the command: a relative ELM_HOME must not be re-read elsewhere.
    env: { ...env, ELM_HOME: home, ELM_WORKER: '1' },
  });
  closeSync(fd);
  child.unref();
  return child.pid ?? 0;
}
