import type { Context } from '../../runtime/context';
import { ExitCode } from '../../domain/errors';
import { spawnWorker } from '../../tasks/spawnWorker';
import { runWhileWaiting } from '../../tasks/runWhileWaiting';
import type { Task } from '../../domain/state';
import { addTask } from '../../domain/addTask';
import { waitChoice } from '../shared/waitChoice';
import { claimVersion } from '../shared/versionLock';
import { machineRequest, type MachineFlags } from './deployLink';

/** Starts a DeployMachine task (durable like every task) and waits for it unless --no-wait. */
export async function startMachineDeployment(ctx: Context, flags: MachineFlags, ref: string | undefined): Promise<void> {
  const { wait, timeoutMs } = waitChoice(flags, true);
  const { layer, version, req } = await machineRequest(ctx, flags, ref);
  const store = await ctx.store();
  const task = await store.mutate(async (state) => {
    await claimVersion(ctx, state, layer.id, version.name);
    return addTask(
      state,
      {
        kind: 'DeployMachine',
        description: `Deploying the packaging machine for "${layer.name}" ${version.name}.`,
        layerId: layer.id,
        version: version.name,
        params: { connector: version.connector, request: { ...req, linkExpiryMs: req.linkExpiryMs ?? null } },
      },
      ctx.now(),
    );
  });
  // Waiting (the default), the task runs in this process; with --no-wait, in a detached worker.
  let final: Task = task;
  if (wait) final = await runWhileWaiting(ctx, task.id, { label: 'Deploying the packaging machine', timeoutMs });
  else spawnWorker(ctx.home, task.id, ctx.env);
  if (final.state === 'Failed') process.exitCode = ExitCode.failed;
  const machine = (await store.read()).layers.find((l) => l.id === layer.id)?.versions.find((v) => v.name === version.name)?.machine ?? null;
  if (ctx.io.json) return ctx.out.json({ task: { id: final.id, kind: final.kind, state: final.state, description: final.description }, machine });
  if (final.state === 'Failed') ctx.out.error(`Deployment failed: ${final.error}. Retry with elm task resume ${final.id}.`);
  else ctx.out.success(`${final.description}`);
}
