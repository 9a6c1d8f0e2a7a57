import { promises as fs } from 'node:fs';
import type { Context } from '../../runtime/context';
import { UsageError } from '../../domain/errors';
import { BUILTIN_ICONS } from '../../domain/icons';
import type { State } from '../../domain/state';
import { confirmRemoval } from '../shared/confirmRemoval';
import { inUse } from '../shared/removalGuards';

/** Removes an imported icon no layer uses (else exit 3 naming them) and its copy under the home. */
export async function run(ctx: Context, flags: { yes?: boolean }, [ref]: string[]): Promise<void> {
  if (BUILTIN_ICONS.some((i) => i.id === ref)) throw new UsageError(`Icon "${ref}" is built in and cannot be removed; only imported icons can.`);
  const store = await ctx.store();
  const icon = findIcon(await store.read(), ref);
  const refuseIfUsed = (s: State) => {
    const users = s.layers.filter((l) => l.icon === icon.id).map((l) => `layer "${l.name}"`);
    if (users.length) throw inUse(`icon "${icon.name}" (${icon.id})`, users, 'an icon stays while a layer shows it: remove those layers first');
  };
  refuseIfUsed(await store.read());
  await confirmRemoval(ctx, flags.yes, `icon "${icon.name}" (${icon.id})`);
  await store.mutate((s) => {
    refuseIfUsed(s);
    s.icons = s.icons.filter((i) => i.id !== icon.id);
  });
  await fs.rm(icon.file, { force: true });
  if (ctx.io.json) return ctx.out.json({ removed: { id: icon.id, name: icon.name }, deleted: [icon.file] });
  ctx.out.success(`Removed icon "${icon.name}" (${icon.id}).`);
}

/** By id, else by name when exactly one icon has it. */
function findIcon(state: State, ref: string) {
  const byId = state.icons.find((i) => i.id === ref);
  if (byId) return byId;
  const byName = state.icons.filter((i) => i.name === ref);
  if (byName.length === 1) return byName[0];
  if (byName.length > 1) throw new UsageError(`Several icons are named "${ref}" (${byName.map((i) => i.id).join(', ')}); give the id.`);
  throw new UsageError(`No imported icon "${ref}"; see elm icon list.`);
}
