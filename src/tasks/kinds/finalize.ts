import { constants as fsConstants, promises as fs } from 'node:fs';
import path from 'node:path';
import type { DiskLocation, FinalizeRequest, LayerArtifact, MachineRef } from '../../connectors/connector';
import { DiskUnusableError } from '../../connectors/diskUnusableError';
import type { VersionState } from '../../domain/vocabulary';
import type { VersionRepository } from '../../domain/state';
import type { StepContext, TaskDefinition } from '../taskDefinition';
import { versionOf } from './versionOf';
import { handBuildFiles, openHandBuild } from './handBuild';

export interface FinalizeParams {
  connector: string;
  disk: DiskLocation;
  machine: MachineRef | null;
  comment: string;
  keepMachine: boolean;
  repositoryDir: string;
  /** The version's own repository folder and where it is (absent in tasks older elms recorded): resumed only where it is reached. */
  repository?: VersionRepository;
  /** Editing or Finalizable: where the version goes back to if finalize fails or is cancelled. */
  previousState: VersionState;
  user: string;
}

async function request(ctx: StepContext): Promise<{ req: FinalizeRequest; connector: Awaited<ReturnType<StepContext['connector']>> }> {
  const p = ctx.task.params as unknown as FinalizeParams;
  const state = await ctx.store.read();
  const config = state.connectors.find((c) => c.name === p.connector);
  if (!config) throw new Error(`connector "${p.connector}" was removed while the task ran`);
  const connector = await ctx.connector(config);
  const layerName = state.layers.find((l) => l.id === ctx.task.layerId)?.name ?? '';
  const req: FinalizeRequest = {
    layer: { id: ctx.task.layerId, name: layerName, version: ctx.task.version },
    taskId: ctx.task.id,
    disk: p.disk,
    machine: p.machine,
    repositoryDir: p.repositoryDir,
    keepMachine: p.keepMachine,
    signal: ctx.signal,
  };
  return { req, connector };
}

/**
 * The layer disk the capture recorded, read where it was recorded: a file of the size it had
 * (for a vmdk, its descriptor: the size is the extent's). A blob or a datastore path is the
 * platform's to keep.
 */
async function checkArtifactReadable(artifact: LayerArtifact): Promise<void> {
  if (!artifact?.location || !path.isAbsolute(artifact.location)) return;
  const st = await fs.stat(artifact.location).catch((e: NodeJS.ErrnoException) => {
    throw new Error(`the layer disk ${artifact.location} cannot be read here (${e.code ?? e.message}), so the packaging disk is kept; resume the task where the layer repository is`);
  });
  await fs.access(artifact.location, fsConstants.R_OK).catch((e: NodeJS.ErrnoException) => {
    throw new Error(`the layer disk ${artifact.location} cannot be read here (${e.code ?? e.message}), so the packaging disk is kept`);
  });
  if (!st.isFile() || (artifact.format !== 'vmdk' && st.size !== artifact.sizeBytes))
    throw new Error(`the layer disk ${artifact.location} is not the ${artifact.sizeBytes}-byte file the import made, so the packaging disk is kept; remove the version or finalize it again`);
}

/**
 * Finalize: capture the disk into the layer repository, remove the packaging machine and disk,
 * then (as the task ends) record the artifact and make the version Deployable. Each step is safe
 * to run again.
 */
export const finalizeTask: TaskDefinition = {
  kind: 'Finalize',
  steps: [
    {
      name: 'capture',
      weight: 18,
      async run(ctx) {
        const { req, connector } = await request(ctx);
        try {
          const artifact = await connector.finalize(req, ctx.progress);
          return { ...artifact };
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'ENOENT' || /not found|changed size/i.test((e as Error).message)) throw new DiskUnusableError((e as Error).message);
          throw e;
        }
      },
      async undo(ctx, _data, reason) {
        // The hash is not resumable (a SHA-256 state cannot be saved): say so rather than show a stale percentage.
        if (reason === 'interrupted') ctx.log('hash restarted after hand-over: the disk is copied and hashed again from its start');
        // Only the partial copy goes: a finished repository file is replaced by the next run.
        const p = ctx.task.params as unknown as FinalizeParams;
        const entries = await fs.readdir(p.repositoryDir).catch(() => [] as string[]);
        await Promise.all(entries.filter((e) => e.includes('.partial')).map((e) => fs.rm(path.join(p.repositoryDir, e), { force: true })));
      },
    },
    {
      name: 'cleanup',
      weight: 1,
      async run(ctx) {
        const { req, connector } = await request(ctx);
        // The packaging disk is the only copy until the layer disk is there to be read.
        await checkArtifactReadable(ctx.stepData('capture') as unknown as LayerArtifact);
        ctx.progress(0, 'Removing the packaging machine and disk');
        await connector.cleanup(req, ctx.progress);
        // A build on the file share: its script and files, by the paths it recorded writing them at.
        const build = openHandBuild(await ctx.store.read(), ctx.task.layerId, ctx.task.version);
        if (build) await Promise.all(handBuildFiles(build).map((f) => fs.rm(f, { recursive: true, force: true })));
      },
    },
    {
      // Recording the artifact is the task's end, written with it in one state write: two fewer
      // fsynced writes after the import, where the operator waits.
      name: 'complete',
      weight: 1,
      applyAtEnd(state, task, now) {
        const p = task.params as unknown as FinalizeParams;
        const artifact = task.steps.find((st) => st.name === 'capture')?.data as unknown as LayerArtifact;
        const { layer, version } = versionOf(state, task);
        version.artifact = { location: artifact.location, sha256: artifact.sha256, sizeBytes: artifact.sizeBytes, format: artifact.format };
        version.state = 'Deployable';
        version.machine = null;
        const create = state.tasks.find((t) => t.id === version.createTaskId);
        if (create && create.state === 'ActionRequired') {
          create.state = 'Complete';
          create.endedAt = now.toISOString();
          create.description = `${create.description.split(' Next:')[0]} Finalized by task ${task.id}.`;
        }
        const build = openHandBuild(state, layer.id, version.name);
        if (build) {
          build.state = 'Complete';
          build.endedAt = now.toISOString();
          build.description = `Built "${layer.name}" ${version.name} by hand on the packaging machine; finalized by task ${task.id}.`;
        }
        // Safe to apply again (a state an older elm left with this step Running): one audit entry.
        if (!layer.audit.some((a) => a.action === 'Finalize' && a.version === version.name))
          layer.audit.push({ at: now.toISOString(), user: p.user, action: 'Finalize', comment: p.comment, version: version.name });
        task.description = `"${layer.name}" ${version.name} is Deployable: ${artifact.location}${artifact.sha256 ? ` (sha256 ${artifact.sha256})` : ''}.`;
      },
    },
  ],
  finish(_state, task, now) {
    task.state = 'Complete';
    task.endedAt = now.toISOString();
  },
  fail(state, task, error) {
    const { version } = versionOf(state, task);
    const p = task.params as unknown as FinalizeParams;
    version.state = error.name === 'DiskUnusableError' ? 'Broken' : p.previousState;
  },
  cancel(state, task) {
    const { version } = versionOf(state, task);
    version.state = (task.params as unknown as FinalizeParams).previousState;
  },
};
