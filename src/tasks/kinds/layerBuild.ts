import { counted } from '../../domain/plural';
import type { TaskDefinition } from '../taskDefinition';
import { buildStepsOnMachine, failedBuildCleanup } from './layerBuildRemote';
import { canceledBuildCleanup } from './layerBuildCancel';
import type { LayerBuildParams } from './layerBuildParams';
import { versionOf } from './versionOf';
import type { StepDefinition } from '../taskDefinition';

export type { LayerBuildParams } from './layerBuildParams';

const packagingDiskStep: StepDefinition = {
  name: 'packagingDisk',
  weight: 19,
  async run(ctx) {
    const p = ctx.task.params as unknown as LayerBuildParams;
    await ctx.runTask(p.createTaskId);
    const child = (await ctx.store.read()).tasks.find((t) => t.id === p.createTaskId);
    if (child?.state !== 'ActionRequired') throw new Error(`the packaging disk task ${p.createTaskId} ended ${child?.state ?? 'missing'}: ${child?.error ?? child?.description ?? ''}`);
    return { disk: child.id };
  },
};

/**
 * LayerBuild on a connector that cannot reach the machine (the file share): the packaging disk is
 * made (its own durable task, run here), then the build steps are written as one script beside
 * it and the task waits for the operator (ActionRequired) to run it on the machine and finalize.
 */
export const layerBuildTask: TaskDefinition = {
  kind: 'LayerBuild',
  steps: [
    packagingDiskStep,
    {
      name: 'handOver',
      weight: 1,
      async run(ctx) {
        const p = ctx.task.params as unknown as LayerBuildParams;
        const state = await ctx.store.read();
        const { version } = versionOf(state, ctx.task);
        const disk = version.packagingDisk.location;
        if (!disk) throw new Error('the packaging disk has no location');
        const [{ writeHandScript, handScriptPaths }, { readProbeScript }, { probeArguments }, { integrityContext }] = await Promise.all([
          import('../../layerBuild/handScript.js'),
          import('../../integrity/probeScript.js'),
          import('../../integrity/probeArguments.js'),
          import('../../integrity/versionContext.js'),
        ]);
        // The last probe call refuses on the machine what elm would (PVS version, KMS rearm, IPv6), as deploy-link's does.
        const probeArgs = probeArguments(integrityContext(state, version));
        // Recorded before they are written: removing the version deletes them, even after a killed write.
        const planned = handScriptPaths(disk);
        await ctx.record({ script: planned.scriptPath, filesDir: planned.filesDir });
        const written = await writeHandScript(disk, { layer: p.layerName, steps: p.steps, secretNames: Object.keys(p.secrets), probeScript: await readProbeScript(), probeArgs });
        const secrets = Object.keys(p.secrets);
        const description =
          `Packaging disk ready at ${disk}. Boot a machine from it, then run ${written.scriptPath} there, elevated` +
          `${secrets.length ? ` (set ${secrets.map((s) => `$env:${s}`).join(', ')} in that session first)` : ''}; ` +
          `it runs the ${counted(p.steps.length, 'build step')}, says when to restart and resume with -From N, and ends with ShutdownForFinalize.ps1 -Shutdown. ` +
          `Next: elm finalize "${p.layerName}" --wait`;
        await ctx.store.mutate((s) => {
          const t = s.tasks.find((x) => x.id === ctx.task.id)!;
          t.description = description;
        });
        return { script: written.scriptPath, filesDir: written.filesDir };
      },
    },
  ],
  finish(_state, task) {
    task.state = 'ActionRequired';
  },
  fail() {
    // The version keeps its packaging disk task; `task resume` runs the failed step again.
  },
  cancel() {},
};

/**
 * The definition for a build's params: by hand on the file share; on a connector that reaches the
 * machine, one recorded step per build step between deploying the machine and finalizing it.
 */
export function layerBuildDefinition(params: Record<string, unknown>): TaskDefinition {
  const p = params as unknown as LayerBuildParams;
  if (!p.remote) return layerBuildTask;
  return {
    kind: 'LayerBuild',
    steps: [packagingDiskStep, ...buildStepsOnMachine(p)],
    finish(_state, task) {
      task.state = 'Complete';
      task.endedAt = new Date().toISOString();
    },
    fail() {},
    onFailed: failedBuildCleanup,
    cancel() {},
    onCanceled: canceledBuildCleanup,
  };
}
