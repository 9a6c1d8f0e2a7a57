/**
 * What a build on the machine leaves when it fails or is cancelled without
 * --keep-machine-on-failure: its machine (with NIC, disk, deployment; one whose ids were not
 * recorded yet is found by its tags) and its packaging disk are deleted, the version becomes Broken
 * and the packaging disk task that waited for the operator ends as the build did.
 */
import type { Connector, MachineRef } from '../../connectors/connector';
import type { Task } from '../../domain/state';
import type { StepContext } from '../taskDefinition';
import type { LayerBuildParams } from './layerBuildParams';
import { versionOf } from './versionOf';

export async function deleteBuildResources(ctx: StepContext, connector: Connector, ends: Pick<Task, 'state'> & { why: string }): Promise<void> {
  const p = ctx.task.params as unknown as LayerBuildParams;
  const { layer, version } = versionOf(await ctx.store.read(), ctx.task);
  const location = version.packagingDisk.location;
  // Recorded before the disk is written, and a machine comes after the disk: none, nothing was made.
  if (location) {
    await connector.cleanup(
      {
        layer: { id: layer.id, name: layer.name, version: version.name },
        taskId: ctx.task.id,
        disk: { location, format: version.packagingDisk.format, sizeBytes: version.packagingDisk.sizeBytes ?? 0, description: '' },
        machine: (version.machine as unknown as MachineRef | null) ?? null,
        repositoryDir: p.remote?.repositoryDir ?? '',
        keepMachine: false,
        signal: ctx.signal,
      },
      (_f, message) => message && ctx.log(message),
    );
  }
  await ctx.store.mutate((s) => {
    const { version: v } = versionOf(s, ctx.task);
    v.machine = null;
    v.packagingDisk.location = null;
    v.packagingDisk.sizeBytes = null;
    v.state = 'Broken';
    const create = s.tasks.find((t) => t.id === v.createTaskId);
    if (create && create.state === 'ActionRequired') {
      create.state = ends.state;
      if (ends.state === 'Failed') create.error = ends.why;
      else create.description = ends.why;
      create.endedAt = new Date().toISOString();
    }
  });
}
