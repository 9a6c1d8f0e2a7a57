import type { Context } from '../../runtime/context';
import { UsageError } from '../../domain/errors';
import { FileStateStore } from '../../store/fileStateStore';
import { openBackend } from '../../store/stateBackend';
import { hasContent, replaceState, summary } from './replaceState';

/**
 * Copies the remote state (--state / ELM_STATE) to the state under ELM_HOME: to work on alone, or
 * to leave the shared state. A local state with content is not overwritten without --force.
 */
export async function run(ctx: Context, flags: { force?: boolean }): Promise<void> {
  const backend = await openBackend(ctx);
  if (backend.location.kind !== 'blob') throw new UsageError('No remote state to pull from: name it with --state <url> or ELM_STATE.');
  const remote = await backend.store.read();
  const local = new FileStateStore(ctx.home);
  const pulled = await local.mutate((mine) => {
    if (hasContent(mine) && !flags.force)
      throw new UsageError(`${local.location} already holds a state (${summary(mine)}); pass --force to overwrite it (its previous copy is kept as state.json.bak).`);
    replaceState(mine, remote);
    return summary(remote);
  });
  if (ctx.io.json) return ctx.out.json({ from: backend.store.location, to: local.location, pulled });
  ctx.out.success(`Pulled the state (${pulled}) from ${backend.store.location} to ${local.location}.`);
}
