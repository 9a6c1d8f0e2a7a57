import { promises as fs } from 'node:fs';
import type { Context } from '../../runtime/context';
import { TERMINAL_TASK_STATES } from '../../domain/vocabulary';
import { taskLogPath } from '../../tasks/taskLog';
import { findTask } from '../shared/lookup';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Prints a task's log (<home>/logs/task-<id>.log); with -f, goes on printing what is added until
 * the task's work is over (it ended or waits for the operator), or Ctrl-C.
 */
export async function run(ctx: Context, flags: { follow?: boolean }, [id]: string[]): Promise<void> {
  const store = await ctx.store();
  findTask(await store.read(), id);
  const file = taskLogPath(ctx.home, id);
  let offset = 0;
  const printNew = async () => {
    const text = await fs.readFile(file).catch(() => Buffer.alloc(0));
    if (text.length > offset) ctx.io.stdout.write(text.subarray(offset));
    offset = Math.max(offset, text.length);
  };
  if (ctx.io.json) {
    const text = await fs.readFile(file, 'utf8').catch(() => '');
    return ctx.out.json({ id, log: file, lines: text.split('\n').filter((l) => l !== '') });
  }
  await printNew();
  if (offset === 0 && !flags.follow) ctx.out.info(`Task ${id} has written no log yet (${file}).`);
  if (!flags.follow) return;
  for (;;) {
    const t = findTask(await store.read(), id);
    const over = TERMINAL_TASK_STATES.includes(t.state) || t.state === 'ActionRequired';
    await printNew();
    if (over || ctx.signal.aborted) break;
    await sleep(250);
  }
  ctx.out.info(`Task ${id}: ${findTask(await store.read(), id).state}.`);
}
