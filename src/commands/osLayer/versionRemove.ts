import type { Context } from '../../runtime/context';
import { UsageError } from '../../domain/errors';
import { confirmRemoval } from '../shared/confirmRemoval';
import { resolveOsLayerRef } from '../../domain/osLayerRef';
import { inUse, layersBoundTo } from '../shared/removalGuards';

/** Removes one OS layer version no layer version is bound to (else exit 3); its disk file stays. */
export async function run(ctx: Context, flags: { version: string; yes?: boolean }, [name]: string[]): Promise<void> {
  const store = await ctx.store();
  const state = await store.read();
  const { layer: os, version } = resolveOsLayerRef(state, `${name}@${flags.version}`);
  if (os.versions.length === 1)
    throw new UsageError(`OS layer "${os.name}" ${version.name} is its only version; remove the OS layer instead: elm os-layer remove "${os.name}".`);
  const refuseIfBound = (users: string[]) => {
    if (users.length) throw inUse(`OS layer "${os.name}" ${version.name}`, users, 'remove those layer versions first (elm layer version remove)');
  };
  refuseIfBound(layersBoundTo(state, os.name, version.name));
  await confirmRemoval(ctx, flags.yes, `version ${version.name} of OS layer "${os.name}"`);
  await store.mutate((s) => {
    const { layer: o, version: v } = resolveOsLayerRef(s, `${os.name}@${version.name}`);
    refuseIfBound(layersBoundTo(s, o.name, v.name));
    o.versions = o.versions.filter((x) => x !== v);
  });
  if (ctx.io.json) return ctx.out.json({ removed: { osLayer: { id: os.id, name: os.name }, version: version.name }, deleted: [], left: [version.disk.location] });
  ctx.out.success(`Removed version ${version.name} of OS layer "${os.name}".`);
  ctx.out.info(`Left in place: ${version.disk.location} (elm recorded where the OS disk is and never copied it).`);
}
