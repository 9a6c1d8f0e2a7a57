import type { Context } from '../../runtime/context';
import { UsageError } from '../../domain/errors';
import { emptyState } from '../../domain/emptyState';
import type { BlobStateStore } from '../../store/blobStateStore';
import { openBackend } from '../../store/stateBackend';

/**
 * Creates an empty remote state (--state / ELM_STATE). A remote state is never created by a
 * change (a blob that disappeared must not come back empty over its last good copy), so a team
 * starts one here or with `elm state push`. A state already there is left untouched.
 */
export async function run(ctx: Context, flags: { force?: boolean }): Promise<void> {
  const backend = await openBackend(ctx);
  if (backend.location.kind !== 'blob')
    throw new UsageError('elm state init creates a remote state: name it with --state <url> or ELM_STATE (the local state under ELM_HOME is created by the first change).');
  const store = backend.store as BlobStateStore;
  const existed = await store.exists();
  if (!existed && !flags.force && (await store.backupText().catch(() => 'unreadable')) !== null)
    throw new UsageError(`${store.backupLocation}, the last good copy of a state that was there, exists: put it back with elm state restore, or pass --force to start an empty state.`);
  const created = !existed && (await store.create(JSON.stringify(emptyState(), null, 1)));
  if (ctx.io.json) return ctx.out.json({ location: store.location, created });
  if (created) ctx.out.success(`Created an empty elm state at ${store.location}.`);
  else ctx.out.info(`${store.location} already holds an elm state; left untouched.`);
}
