/**
 * `elm task cancel` of a build that runs on the machine: after the runner stopped it (the running
 * build step's wait ends at once; deploying the machine is let finish first, a safe point), its
 * unfinished parts are cancelled (each undoes its own partial step: a half-written packaging disk,
 * a partial capture), then what the build created is deleted as after a failure: the machine with
 * its NIC, disk and deployment, and the packaging disk; the version is Broken. With
 * --keep-machine-on-failure the machine and disk stay for inspection and only what runs on the
 * machine for the build (Azure: the step's managed run command, whose deletion stops its script)
 * is removed. The description and the layer's audit history say which.
 */
import type { MachineRef } from '../../connectors/connector';
import type { StepContext } from '../taskDefinition';
import type { LayerBuildParams } from './layerBuildParams';
import { deleteBuildResources } from './layerBuildTeardown';
import { versionOf } from './versionOf';

const TERMINAL = ['Complete', 'Failed', 'Canceled'];

export async function canceledBuildCleanup(ctx: StepContext): Promise<string> {
  const p = ctx.task.params as unknown as LayerBuildParams;
  // The parts first: each undoes what its interrupted step left.
  const parts = (await ctx.store.read()).tasks.filter(
    (t) => (t.id === p.createTaskId || t.params.buildTaskId === ctx.task.id) && !TERMINAL.includes(t.state) && t.state !== 'ActionRequired',
  );
  for (const part of parts) {
    ctx.log(`cancel: cancelling ${part.kind} task ${part.id}, a part of build ${ctx.task.id}`);
    await ctx.cancelTask(part.id);
  }

  const state = await ctx.store.read();
  const { layer, version } = versionOf(state, ctx.task);
  const machine = (version.machine as unknown as MachineRef | null) ?? null;
  const config = state.connectors.find((c) => c.name === p.connector);
  if (!config) throw new Error(`connector "${p.connector}" was removed; delete what the build made by hand`);
  const connector = await ctx.connector(config);

  let said: string;
  if (p.remote?.keepMachineOnFailure) {
    const stopped = machine && connector.stopMachineScripts ? await connector.stopMachineScripts(machine) : [];
    said = machine
      ? `The packaging machine ${machine.name} and its disk were kept (--keep-machine-on-failure)` +
        `${stopped.length ? `; the run command of the interrupted step (${stopped.join(', ')}) was deleted, which stops its script` : ''}. ` +
        `Finalize it by hand (elm finalize "${layer.name}") or remove the version (elm layer version remove).`
      : 'The packaging disk was kept (--keep-machine-on-failure); no machine had been deployed.';
  } else {
    const location = version.packagingDisk.location;
    ctx.log('cancel: deleting the packaging machine and disk the build created');
    await deleteBuildResources(ctx, connector, { state: 'Canceled', why: `Its packaging disk was deleted when build ${ctx.task.id} was cancelled.` });
    said =
      `${machine ? `The packaging machine ${machine.name} (with its network interface, disk and deployment) and ` : 'No machine had been deployed; '}` +
      `the packaging disk the build created ${location || machine ? 'were deleted' : 'was not written yet'}; the version is Broken (build it again as a new version).`;
  }
  await ctx.store.mutate((s) => {
    const { layer: l, version: v } = versionOf(s, ctx.task);
    l.audit.push({ at: new Date().toISOString(), user: p.remote?.user ?? '', action: 'Build cancelled', comment: said, version: v.name });
  });
  ctx.log(`cancel: ${said}`);
  return said;
}
