import type { Context } from '../../runtime/context';
import { withVersionHints } from '../../domain/nextStepHints';
import { resolveLayer, resolveVersionToRead } from '../shared/lookup';
import { formatBytes } from '../../domain/units';

/**
 * Where the version's disk is and what to do next: the create task's description, as in the
 * console's Tasks bar. Once finalized, the packaging disk is gone from the share: the disk is the
 * layer's disk in the repository, and the task the one that put it there.
 */
export async function run(ctx: Context, flags: { version?: string }, [ref]: string[]): Promise<void> {
  if (ctx.appliance) return (await import('../appliance/diskStatus.js')).diskStatusOnAppliance(ctx, ctx.appliance, flags, ref);
  const state = await (await ctx.store()).read();
  const layer = resolveLayer(state, ref);
  const version = resolveVersionToRead(layer, flags.version);
  const finalized = version.artifact;
  const finalizeTask = finalized
    ? [...state.tasks].reverse().find((t) => t.kind === 'Finalize' && t.layerId === layer.id && t.version === version.name && t.state === 'Complete')
    : undefined;
  const task = finalizeTask ?? state.tasks.find((t) => t.id === version.createTaskId) ?? null;
  const description = task ? withVersionHints(task.description, layer, version.name) : '';
  const d = version.packagingDisk;
  const disk = finalized
    ? { name: d.name, format: finalized.format, location: finalized.location, sizeBytes: finalized.sizeBytes, kind: 'layer' as const }
    : { name: d.name, format: d.format, location: d.location, sizeBytes: d.sizeBytes, kind: 'packaging' as const };
  const doc = {
    layer: { id: layer.id, name: layer.name },
    version: { name: version.name, state: version.state },
    task: task ? { id: task.id, kind: task.kind, state: task.state, description, progress: task.progress } : null,
    disk,
  };
  // A failed task is the answer to "where is my disk": exit 1, so a script does not go on.
  if (task?.state === 'Failed') process.exitCode = 1;
  if (ctx.io.json) return ctx.out.json(doc);
  ctx.out.data(`${layer.name} ${version.name}: ${version.state}`);
  if (task) ctx.out.data(`Task ${task.id} ${task.kind}: ${task.state} (${task.progress}%)`);
  if (finalized) ctx.out.data(`Layer disk (in the layer repository): ${finalized.location} (${finalized.format}, ${formatBytes(finalized.sizeBytes)})`);
  else ctx.out.data(d.location ? `Packaging disk: ${d.location} (${d.format}, ${formatBytes(d.sizeBytes ?? 0)})` : `Packaging disk: ${d.name}.${d.format}, not written yet`);
  if (task) ctx.out.prose(description);
  if (task?.state === 'Failed') ctx.out.error(`Task ${task.id} failed${task.error ? `: ${task.error}` : ''}; retry it with elm task resume ${task.id}.`);
}
