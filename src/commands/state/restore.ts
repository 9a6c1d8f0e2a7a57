import type { Context } from '../../runtime/context';
import { NotReadyError, UsageError } from '../../domain/errors';
import type { BlobStateStore } from '../../store/blobStateStore';
import type { FileStateStore } from '../../store/fileStateStore';
import { openBackend } from '../../store/stateBackend';

/**
 * Puts the last good copy (`<name>.bak`, `state.json.bak`) back as the state: after the state
 * disappeared or went corrupt. A readable state is replaced only with --force, and is then kept
 * as the new last good copy (so a restore can be undone by another).
 */
export async function run(ctx: Context, flags: { force?: boolean }): Promise<void> {
  const backend = await openBackend(ctx);
  const store = backend.store as BlobStateStore | FileStateStore;
  const refuse = (what: string) => {
    throw new UsageError(`${store.location} holds a readable state (${what}); pass --force to replace it with ${store.backupLocation} (it is then kept as the last good copy).`);
  };
  const outcome = backend.location.kind === 'blob' ? await restoreBlob(store as BlobStateStore, Boolean(flags.force), refuse) : await (store as FileStateStore).restoreBackup(Boolean(flags.force), refuse);
  if (ctx.io.json) return ctx.out.json({ location: store.location, from: store.backupLocation, replaced: outcome });
  ctx.out.success(`Restored ${store.location} from ${store.backupLocation}${outcome === 'readable' ? ' (the state it replaced is now the last good copy)' : ''}.`);
}

/** What was replaced: nothing (the blob was gone), an unreadable state, or a readable one. */
type Replaced = 'missing' | 'unreadable' | 'readable';

async function restoreBlob(store: BlobStateStore, force: boolean, refuse: (what: string) => never): Promise<Replaced> {
  const text = await store.backupText();
  if (text === null) throw new NotReadyError(`There is no last good copy ${store.backupLocation} to restore (a state keeps one from its second change on).`);
  if (!(await store.exists()) && (await store.create(text))) return 'missing';
  let replaced: Replaced = 'unreadable';
  await store.overwrite(text, async () => {
    const readable = await store.read().then(
      (s) => s,
      () => null,
    );
    if (readable && !force) refuse(`${readable.layers.length} layers, ${readable.tasks.length} tasks`);
    if (readable) replaced = 'readable';
    return readable !== null;
  });
  return replaced;
}
