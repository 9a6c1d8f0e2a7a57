import type { Context } from '../../runtime/context';
import { UsageError } from '../../domain/errors';
import { confirmRemoval } from '../shared/confirmRemoval';
import { endWaitingTasks } from '../shared/endWaitingTasks';
import { findLayer, resolveVersion } from '../shared/lookup';
import { refuseWhileTaskRuns } from '../shared/removalGuards';
import { planVersionCleanup, reportLeftovers, runDeletions } from '../shared/versionLeftovers';

interface Flags {
  version: string;
  yes?: boolean;
  comment?: string;
}

/**
 * Removes one version of a layer: refused while a task works on it (exit 5); deletes what elm owns
 * of it (its disk in the layer repository, a packaging disk not yet finalized) and says what it leaves.
 */
export async function run(ctx: Context, flags: Flags, [ref]: string[]): Promise<void> {
  const store = await ctx.store();
  const state = await store.read();
  const layer = findLayer(state, ref);
  const version = resolveVersion(layer, flags.version);
  await refuseWhileTaskRuns(ctx, state, layer, version.name);
  if (layer.versions.length === 1)
    throw new UsageError(`"${layer.name}" ${version.name} is the layer's only version; remove the layer instead: elm layer remove "${layer.name}".`);
  const cleanup = await planVersionCleanup(ctx, state, layer, version);
  await confirmRemoval(ctx, flags.yes, `version ${version.name} of layer "${layer.name}" (${version.state}) and its disks`);
  await store.mutate(async (s) => {
    const l = findLayer(s, layer.id);
    const v = resolveVersion(l, version.name);
    await refuseWhileTaskRuns(ctx, s, l, v.name);
    l.versions = l.versions.filter((x) => x !== v);
    l.audit.push({ at: ctx.now().toISOString(), user: ctx.user(), action: 'RemoveVersion', comment: flags.comment ?? '', version: v.name });
    endWaitingTasks(s, l.id, v.name, `Version ${v.name} of "${l.name}" was removed.`, ctx.now());
  });
  const failed = await runDeletions(cleanup.deletions);
  if (ctx.io.json) {
    ctx.out.json({ removed: { layer: { id: layer.id, name: layer.name }, version: version.name }, deleted: cleanup.deletions.map((d) => d.what), left: cleanup.leaves, failed });
    if (failed.length) process.exitCode = 1;
    return;
  }
  ctx.out.success(`Removed version ${version.name} of layer "${layer.name}".`);
  reportLeftovers(ctx, cleanup.leaves, failed, cleanup.deletions);
}
