/**
 * Entry point of a detached task worker: `node dist/tasks/workerMain.js <home> <taskId>`.
 * Its stdout/stderr go to the task log; SIGTERM (task cancel) aborts the running step.
 */
import { FileStateStore } from '../store/fileStateStore';
import { runTask } from './runner';

async function main(): Promise<void> {
  const [home, taskId] = process.argv.slice(2);
  const abort = new AbortController();
  process.on('SIGTERM', () => abort.abort());
  process.on('SIGINT', () => abort.abort());
  const store = new FileStateStore(home, 30_000);
  const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  log(`worker ${process.pid} for task ${taskId}`);
  const outcome = await runTask(taskId, { store, home, env: process.env, signal: abort.signal, log });
  log(`worker ${process.pid} ended: ${outcome}`);
}

main().catch((e) => {
  process.stderr.write(`${new Date().toISOString()} worker crashed: ${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
