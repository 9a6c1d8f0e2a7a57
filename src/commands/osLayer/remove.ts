import type { Context } from '../../runtime/context';
import { confirmRemoval } from '../shared/confirmRemoval';
import { findOsLayer } from '../../domain/osLayerRef';
import { inUse, layersBoundTo } from '../shared/removalGuards';

/**
 * Removes an OS layer no layer version is bound to (else exit 3 naming them). elm never copied
 * the OS disks (it records where they are), so it leaves them and says so.
 */
export async function run(ctx: Context, flags: { yes?: boolean }, [name]: string[]): Promise<void> {
  const store = await ctx.store();
  const os = findOsLayer(await store.read(), name);
  const refuseIfBound = (users: string[]) => {
    if (users.length) throw inUse(`OS layer "${os.name}"`, users, 'remove those layer versions first (elm layer version remove), or keep the OS layer');
  };
  refuseIfBound(layersBoundTo(await store.read(), os.name));
  await confirmRemoval(ctx, flags.yes, `OS layer "${os.name}" (${os.versions.map((v) => v.name).join(', ')})`);
  await store.mutate((s) => {
    const o = findOsLayer(s, os.id);
    refuseIfBound(layersBoundTo(s, o.name));
    s.osLayers = s.osLayers.filter((x) => x !== o);
  });
  const left = os.versions.map((v) => v.disk.location);
  if (ctx.io.json) return ctx.out.json({ removed: { id: os.id, name: os.name, versions: os.versions.map((v) => v.name) }, deleted: [], left });
  ctx.out.success(`Removed OS layer "${os.name}".`);
  for (const l of left) ctx.out.info(`Left in place: ${l} (elm recorded where the OS disk is and never copied it).`);
}
