import type { Context } from '../../runtime/context';
import { TERMINAL_TASK_STATES } from '../../domain/vocabulary';
import { openBackend } from '../../store/stateBackend';
import { findTask } from '../shared/lookup';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A task's log, read through the backend beside the state (the file under ELM_HOME, or the append
 * blob beside a remote state, so it works from any machine that shares the state). With -f it goes
 * on printing what is added until the task's work is over (it ended or waits for the operator), or Ctrl-C.
 */
export async function run(ctx: Context, flags: { follow?: boolean }, [id]: string[]): Promise<void> {
  const backend = await openBackend(ctx);
  findTask(await backend.store.read(), id);
  const where = backend.logs.where(id);
  if (ctx.io.json) {
    const log = await backend.logs.read(id);
    return ctx.out.json({ id, log: where, lines: (log?.text ?? '').split('\n').filter((l) => l !== '') });
  }
  let offset = 0;
  const printNew = async () => {
    const part = await backend.logs.read(id, offset);
    if (part && part.text) ctx.io.stdout.write(part.text);
    if (part) offset = Math.max(offset, part.next);
  };
  await printNew();
  if (offset === 0 && !flags.follow) ctx.out.info(`Task ${id} has written no log yet (${where}).`);
  if (!flags.follow) return;
  for (;;) {
    const t = findTask(await backend.store.read(), id);
    const over = TERMINAL_TASK_STATES.includes(t.state) || t.state === 'ActionRequired';
    await printNew();
    if (over || ctx.signal.aborted) break;
    await sleep(250);
  }
  ctx.out.info(`Task ${id}: ${findTask(await backend.store.read(), id).state}.`);
}
