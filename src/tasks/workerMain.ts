/**
 * Entry point of a detached task worker: `node dist/tasks/workerMain.js <home> <taskId>`.
 * Its stdout/stderr go to the task log; SIGTERM (task cancel) aborts the running step.
 * The state it works on is the one its environment names (ELM_STATE, inherited from the command
 * that started it), so a worker of a remote state logs beside that state too.
 */
import { openBackend } from '../store/stateBackend';
import { stateLocation } from '../store/stateLocation';
import { runTask } from './runner';
import { ElmError } from '../domain/errors';

async function main(): Promise<void> {
  const [home, taskId] = process.argv.slice(2);
  const abort = new AbortController();
  process.on('SIGTERM', () => abort.abort());
  process.on('SIGINT', () => abort.abort());
  const env = process.env;
  // A local worker waits longer than a command for the lock; a remote one keeps the default, past a lease.
  const backend = await openBackend({ home, env }, stateLocation(home, env).kind === 'file' ? 30_000 : undefined);
  const remote = backend.location.kind === 'blob';
  const log = (line: string) => {
    const text = `${new Date().toISOString()} ${line}\n`;
    process.stdout.write(text);
    if (remote) void backend.logs.append(taskId, text);
  };
  log(`worker ${process.pid} for task ${taskId}`);
  const outcome = await runTask(taskId, { store: backend.store, home, env, signal: abort.signal, log });
  log(`worker ${process.pid} ended: ${outcome}`);
}

main().catch((e) => {
  // A refusal (the task's repository is not reached here) is a line in the log, not a crash.
  if (e instanceof ElmError) {
    process.stderr.write(`${new Date().toISOString()} worker ${process.pid} did not run the task: ${e.message}\n`);
    process.exitCode = e.exitCode;
    return;
  }
  process.stderr.write(`${new Date().toISOString()} worker crashed: ${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
