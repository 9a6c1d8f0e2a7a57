import type { DiskLocation } from '../../connectors/connector';
import type { DiskRef } from '../../domain/state';
import { withVersionHints } from '../../domain/nextStepHints';
import type { DiskFormat } from '../../domain/vocabulary';
import type { TaskDefinition } from '../taskDefinition';
import { versionOf } from './versionOf';

/** What layer create records for the worker (no secrets: connector settings hold only env var names). */
export interface CreatePackagingDiskParams {
  connector: string;
  osDisk: DiskRef;
  diskName: string;
  format: DiskFormat;
  layerName: string;
  /** Max Layer Size: the packaging disk grows to it. Absent in tasks recorded before it was used. */
  maxSizeGiB?: number;
}

/**
 * CreatePackagingDisk: the connector writes the packaging disk from the OS layer's disk; the task
 * then waits for the operator (ActionRequired) with the disk's location in its description.
 */
export const createPackagingDiskTask: TaskDefinition = {
  kind: 'CreatePackagingDisk',
  steps: [
    {
      name: 'writeDisk',
      weight: 19,
      async run(ctx) {
        const p = ctx.task.params as unknown as CreatePackagingDiskParams;
        const state = await ctx.store.read();
        const config = state.connectors.find((c) => c.name === p.connector);
        if (!config) throw new Error(`connector "${p.connector}" was removed while the task ran`);
        const connector = await ctx.connector(config);
        const req = {
          layer: { id: ctx.task.layerId, name: p.layerName, version: ctx.task.version },
          taskId: ctx.task.id,
          osDisk: p.osDisk,
          diskName: p.diskName,
          format: p.format,
          minSizeBytes: p.maxSizeGiB === undefined ? undefined : p.maxSizeGiB * 2 ** 30,
        };
        await ctx.record({ plannedLocation: connector.packagingDiskLocation(req) });
        const recordPartialFiles = (partialFiles: string[]) => ctx.record({ partialFiles });
        const disk = await connector.createPackagingDisk({ ...req, signal: ctx.signal, recordPartialFiles }, ctx.progress);
        return { ...disk };
      },
      async undo(ctx, data, reason) {
        // Whatever an interrupted or cancelled run left where the disk was going.
        const location = typeof data.location === 'string' ? data.location : data.plannedLocation;
        if (typeof location !== 'string') return;
        const p = ctx.task.params as unknown as CreatePackagingDiskParams;
        const config = (await ctx.store.read()).connectors.find((c) => c.name === p.connector);
        if (!config) return;
        const connector = await ctx.connector(config);
        if (reason === 'interrupted' && connector.resumesPackagingDisk) {
          // The write picks up from what is already there (e.g. Azure page ranges): keep it.
          ctx.log(`keeping partial packaging disk ${location}: the write resumes from it`);
          return;
        }
        const partialFiles = Array.isArray(data.partialFiles) ? data.partialFiles.filter((f): f is string => typeof f === 'string') : [];
        await connector.discardPackagingDisk(location, partialFiles);
        ctx.log(`removed partial packaging disk ${location}${partialFiles.length ? ` and its temporary files ${partialFiles.join(', ')}` : ''}`);
      },
    },
    {
      name: 'recordDisk',
      weight: 1,
      async run(ctx) {
        const disk = ctx.stepData('writeDisk') as unknown as DiskLocation;
        await ctx.store.mutate((state) => {
          const task = state.tasks.find((t) => t.id === ctx.task.id)!;
          const { layer, version } = versionOf(state, task);
          version.packagingDisk = { ...version.packagingDisk, location: disk.location, sizeBytes: disk.sizeBytes, format: disk.format };
          task.description = withVersionHints(disk.description, layer, version.name);
        });
      },
    },
  ],
  finish(_state, task) {
    task.state = 'ActionRequired';
  },
  fail() {
    // The version stays Editing with no disk; `task resume` retries from the failed step.
  },
  cancel(state, task) {
    const { version } = versionOf(state, task);
    version.packagingDisk = { ...version.packagingDisk, location: null, sizeBytes: null };
  },
};
