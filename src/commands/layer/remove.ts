import type { Context } from '../../runtime/context';
import { confirmRemoval } from '../shared/confirmRemoval';
import { endWaitingTasks } from '../shared/endWaitingTasks';
import { findLayer } from '../shared/lookup';
import { refuseWhileTaskRuns } from '../shared/removalGuards';
import type { Deletion } from '../shared/deletion';
import { planVersionCleanup, reportLeftovers, runDeletions } from '../shared/versionLeftovers';

/**
 * Removes a layer and every version: refused while a task works on it (exit 5); deletes what elm
 * owns (each version's files in the repository, packaging disks not yet finalized) and says what it leaves.
 */
export async function run(ctx: Context, flags: { yes?: boolean }, [ref]: string[]): Promise<void> {
  const store = await ctx.store();
  const state = await store.read();
  const layer = findLayer(state, ref);
  await refuseWhileTaskRuns(ctx, state, layer);
  const deletions: Deletion[] = [];
  const leaves: string[] = [];
  for (const v of layer.versions) {
    const c = await planVersionCleanup(ctx, state, layer, v);
    deletions.push(...c.deletions);
    leaves.push(...c.leaves);
  }
  const versions = layer.versions.map((v) => v.name).join(', ');
  await confirmRemoval(ctx, flags.yes, `layer "${layer.name}" with ${layer.versions.length === 1 ? 'version' : 'versions'} ${versions} and their disks`);
  await store.mutate(async (s) => {
    const l = findLayer(s, layer.id);
    await refuseWhileTaskRuns(ctx, s, l);
    s.layers = s.layers.filter((x) => x !== l);
    endWaitingTasks(s, l.id, undefined, `Layer "${l.name}" was removed.`, ctx.now());
  });
  const failed = await runDeletions(deletions);
  if (ctx.io.json) {
    ctx.out.json({ removed: { layer: { id: layer.id, name: layer.name }, versions: layer.versions.map((v) => v.name) }, deleted: deletions.map((d) => d.what), left: leaves, failed });
    if (failed.length) process.exitCode = 1;
    return;
  }
  ctx.out.success(`Removed layer "${layer.name}" (${versions}).`);
  reportLeftovers(ctx, leaves, failed, deletions);
}
