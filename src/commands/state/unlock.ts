import type { Context } from '../../runtime/context';
import { CancelledError, UsageError } from '../../domain/errors';
import { openBackend } from '../../store/stateBackend';
import { breakStateLock, stateStatus } from '../../store/stateStatus';

/**
 * Breaks the lease (or lock) on the state, naming who held it. Only for a holder that is gone: a
 * blob lease frees itself within its duration anyway; this is for not waiting that long.
 */
export async function run(ctx: Context, flags: { yes?: boolean }): Promise<void> {
  const backend = await openBackend(ctx);
  const status = await stateStatus(backend);
  if (status.lock.state !== 'leased' && status.lock.state !== 'locked' && status.lock.state !== 'breaking') {
    if (ctx.io.json) return ctx.out.json({ location: status.location, broken: false, holder: null });
    ctx.out.info(`The state ${status.location} is not locked; nothing to do.`);
    return;
  }
  const holder = status.lock.holder ?? 'an unknown holder';
  if (!flags.yes) {
    if (!ctx.io.canPrompt) throw new UsageError(`The state ${status.location} is held by ${holder}; pass --yes to break the lock (only if that process is gone).`);
    const ok = await (await ctx.prompter()).confirm({ message: `Break the lock ${holder} holds on ${status.location}? Only if that process is gone.`, default: false });
    if (!ok) throw new CancelledError('Left the lock in place.');
  }
  await breakStateLock(backend);
  if (ctx.io.json) return ctx.out.json({ location: status.location, broken: true, holder });
  ctx.out.success(`Broke the lock ${holder} held on ${status.location}.`);
}
