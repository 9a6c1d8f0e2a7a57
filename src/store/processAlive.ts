import { readFileSync } from 'node:fs';

/**
 * Whether a process on this host is alive. kill(pid, 0) also succeeds for a zombie: a worker
 * killed with SIGKILL stays one until its new parent (init, or a container's PID 1 that may
 * never reap) collects it, and must count as dead so its task can be resumed.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // "pid (comm) S ...": the state follows the last ')' (comm may itself contain parentheses).
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false; // gone between the two calls
  }
}
