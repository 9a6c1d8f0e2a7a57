import type { Context } from '../../runtime/context';
import { resolveLayer, resolveVersion } from '../shared/lookup';
import { formatBytes } from '../../domain/units';

/** Where the packaging disk is and what to do next: the create task's description, as in the console's Tasks bar. */
export async function run(ctx: Context, flags: { version?: string }, [ref]: string[]): Promise<void> {
  const state = await (await ctx.store()).read();
  const layer = resolveLayer(state, ref);
  const version = resolveVersion(layer, flags.version);
  const task = state.tasks.find((t) => t.id === version.createTaskId) ?? null;
  const d = version.packagingDisk;
  const doc = {
    layer: { id: layer.id, name: layer.name },
    version: { name: version.name, state: version.state },
    task: task ? { id: task.id, kind: task.kind, state: task.state, description: task.description, progress: task.progress } : null,
    disk: { name: d.name, format: d.format, location: d.location, sizeBytes: d.sizeBytes },
  };
  if (ctx.io.json) return ctx.out.json(doc);
  ctx.out.data(`${layer.name} ${version.name}: ${version.state}`);
  if (task) ctx.out.data(`Task ${task.id} ${task.kind}: ${task.state} (${task.progress}%)`);
  ctx.out.data(d.location ? `Packaging disk: ${d.location} (${d.format}, ${formatBytes(d.sizeBytes ?? 0)})` : `Packaging disk: ${d.name}.${d.format}, not written yet`);
  if (task) ctx.out.prose(task.description);
}
