import type { Context } from '../../runtime/context';
import { openBackend } from '../../store/stateBackend';
import { findTask } from '../shared/lookup';

/**
 * A task's log, read through the backend beside the state: the file under ELM_HOME, or the append
 * blob beside a remote state (so it works from any machine that shares the state).
 */
export async function run(ctx: Context, _flags: unknown, [id]: string[]): Promise<void> {
  const backend = await openBackend(ctx);
  findTask(await backend.store.read(), id);
  const log = await backend.logs.read(id);
  if (ctx.io.json) return ctx.out.json({ id, location: backend.logs.where(id), text: log?.text ?? '' });
  if (!log) {
    ctx.out.info(`Task ${id} has no log yet (${backend.logs.where(id)}).`);
    return;
  }
  ctx.io.stdout.write(log.text);
}
