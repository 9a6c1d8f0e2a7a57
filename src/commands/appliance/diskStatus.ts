/**
 * `disk status --appliance NAME LAYER`: the version's state and its packaging-disk ticket with the
 * description the appliance wrote (the disk's location, the Azure link or the vSphere VM), in the
 * local command's JSON fields. A failed ticket is exit 1, as locally.
 */
import type { Context } from '../../runtime/context';
import { ExitCode } from '../../domain/errors';
import { versionTask } from './versionTask';

export async function diskStatusOnAppliance(ctx: Context, appliance: string, flags: { version?: string }, ref: string | undefined): Promise<void> {
  const { layer, revision, task, diskPath, diskName } = await versionTask(ctx, appliance, ref, flags.version);
  const ext = diskName.includes('.') ? diskName.slice(diskName.lastIndexOf('.') + 1) : null;
  const doc = {
    layer: { id: layer.id, name: layer.name },
    version: { name: revision.name, state: revision.state },
    task: task ? { id: task.id, kind: task.kind, state: task.state, description: task.description, progress: null } : null,
    disk: { name: diskName.replace(/\.[^.]*$/, ''), format: ext, location: diskPath, sizeBytes: null, kind: 'packaging' as const },
  };
  if (task?.state === 'Failed') process.exitCode = ExitCode.failed;
  if (ctx.io.json) return ctx.out.json(doc);
  ctx.out.data(`${layer.name} ${revision.name}: ${revision.state} (appliance "${appliance}")`);
  if (task) ctx.out.data(`Task ${task.id} ${task.kind}: ${task.state}`);
  ctx.out.data(diskPath ? `Packaging disk: ${diskPath}` : 'Packaging disk: none on the appliance\'s file share now');
  if (task?.description) ctx.out.prose(task.description);
}
