import type { Context } from '../../runtime/context';
import { UsageError } from '../../domain/errors';
import type { BlobStateStore } from '../../store/blobStateStore';
import { FileStateStore } from '../../store/fileStateStore';
import { openBackend } from '../../store/stateBackend';
import { parseBlobUrl } from '../../store/stateLocation';
import { hasContent, replaceState, summary } from './replaceState';

/**
 * Copies the state under ELM_HOME to a remote state (a blob), so a team or CI can share it. A state
 * already there is not overwritten without --force (and then its previous copy is kept as .bak);
 * where there is none, the blob is created (one of the few commands that create it).
 */
export async function run(ctx: Context, flags: { to: string; force?: boolean }): Promise<void> {
  const to = parseBlobUrl(flags.to, '--to').url;
  const local = await new FileStateStore(ctx.home).read();
  const target = (await openBackend({ home: ctx.home, env: { ...ctx.env, ELM_STATE: to } })).store as BlobStateStore;
  const created = !(await target.exists()) && (await target.create(JSON.stringify(local, null, 1)));
  const pushed = created
    ? summary(local)
    : await target.mutate((remote) => {
        if (hasContent(remote) && !flags.force)
          throw new UsageError(`${to} already holds an elm state (${summary(remote)}); pass --force to overwrite it (its previous copy is kept as ${to}.bak).`);
        replaceState(remote, local);
        return summary(local);
      });
  if (ctx.io.json) return ctx.out.json({ from: new FileStateStore(ctx.home).location, to, pushed });
  ctx.out.success(`Pushed the state (${pushed}) to ${to}.`);
  ctx.out.info(`Use it with --state ${to} or ELM_STATE=${to} (and a credential: --state-key-env, --state-sas-env, or your Azure login).`);
}
