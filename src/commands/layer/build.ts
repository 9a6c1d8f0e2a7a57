import { counted } from '../../domain/plural';
import type { Context } from '../../runtime/context';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { homePaths } from '../../domain/home';
import { hostName } from '../../domain/hostName';
import { capturesIntoRepository } from '../../repository/capture';
import { chooseVersionRepository } from '../../repository/versionRepository';
import { CancelledError, UsageError } from '../../domain/errors';
import type { Layer, State, Task } from '../../domain/state';
import type { LayerBuildParams } from '../../tasks/kinds/layerBuild';
import { spawnWorker } from '../../tasks/spawnWorker';
import { runWhileWaiting } from '../../tasks/runWhileWaiting';
import { missingFields, resolvePlan } from '../../wizard/plan';
import { findLayer } from '../shared/lookup';
import { addTask } from '../../domain/addTask';
import { recordLayerVersion } from './recordVersion';

interface BuildFlags {
  file: string;
  wait?: boolean;
  keepMachineOnFailure?: boolean;
}

/**
 * `elm layer build -f platform.yaml`: records the layer (or version) from the spec, then one
 * durable LayerBuild task: the packaging disk, and the build steps. Never prompts.
 */
export async function run(ctx: Context, flags: BuildFlags): Promise<void> {
  const { loadBuildSpec } = await import('../../layerBuild/buildSpec.js');
  const { abs, spec } = await loadBuildSpec(flags.file);
  // Every secret must be there before anything is created: a build must not stop half-way for it.
  const unset = Object.entries(spec.secrets).filter(([, envVar]) => !ctx.env[envVar]);
  if (unset.length)
    throw new UsageError(`Build spec ${abs} needs ${unset.map(([name, v]) => `${v} (secret ${name})`).join(', ')} set in the environment; export ${unset.length > 1 ? 'them' : 'it'} and run again.`);
  const store = await ctx.store();
  const state: State = await store.read();
  const existing: Layer | undefined = spec.layerVersionOf !== undefined ? findLayer(state, spec.layerVersionOf) : undefined;
  if (existing && spec.layer.name !== undefined && spec.layer.name !== existing.name)
    throw new UsageError(`Build spec ${abs}: layerVersionOf: names layer "${existing.name}" but layer.name: is "${spec.layer.name}"; a new version keeps its layer's name, so drop layer.name: or make the two agree.`);
  const missing = missingFields(spec.layer, existing, state);
  if (missing.length) throw new UsageError(`Build spec ${abs}: layer: needs ${missing.join(', ')}${existing ? '' : ' (or layerVersionOf: LAYER for a new version)'}.`);
  const plan = resolvePlan(spec.layer, { state, existing });
  const connector = await ctx.connector(plan.connector);
  const remote = plan.connector.type !== 'fileshare';
  if (remote && !connector.runOnMachine)
    throw new UsageError(
      `elm layer build runs its steps on the machine through Azure's Run Command or vSphere's guest operations, or writes them as a script on a file share; the ${plan.connector.type} connector "${plan.connector.name}" cannot yet. Use elm layer create and elm machine deploy, then run the steps on the machine.`,
    );
  if (remote) {
    // Run Command's limits (script time, files inside the script) bind only where files travel inside scripts.
    if (!connector.copyToMachine) {
      const { checkRemoteSpec } = await import('../../layerBuild/remoteSpec.js');
      await checkRemoteSpec(abs, spec);
    }
    await connector.preflightBuild?.();
    // The machine parameters are checked before anything is created (exit 2 naming them).
    await connector.preflight?.({
      layer: { id: '', name: spec.layer.name ?? existing?.name ?? '', version: spec.layer.version ?? '' },
      taskId: '',
      disk: { location: '', format: 'vhd', sizeBytes: 0, description: '' },
      machineName: spec.machine.name,
      size: spec.machine.size,
      vnet: spec.machine.vnet,
      subnet: spec.machine.subnet,
    });
  } else await connector.preflight?.();
  const { layer, version, task: createTask } = await recordLayerVersion(ctx, plan, [], existing?.id);
  // The finalize's folder in the layer repository, its own (chosen now: the command knows the home).
  const repository = remote && capturesIntoRepository(plan.connector.type) ? await chooseVersionRepository(ctx.home, hostName(ctx.env), ctx.now(), undefined) : null;
  const params: LayerBuildParams = { connector: plan.connector.name, createTaskId: createTask.id, steps: spec.steps, secrets: spec.secrets, layerName: layer.name };
  if (!remote) params.finalizeComment = spec.finalize.comment ?? '';
  if (remote)
    params.remote = {
      machine: spec.machine,
      keepMachineOnFailure: Boolean(flags.keepMachineOnFailure),
      finalizeComment: spec.finalize.comment ?? '',
      user: ctx.user(),
      repositoryDir: repository?.dir ?? path.join(homePaths(ctx.home).repository, randomUUID()),
      ...(repository ? { repository } : {}),
    };
  const build = await store.mutate((s) => {
    // Recorded before anything is written there: removal deletes this folder, and only it.
    if (repository) findLayer(s, layer.id).versions.find((v) => v.name === version.name)!.repository = repository;
    return addTask(
      s,
      {
        kind: 'LayerBuild',
        description: `Building "${layer.name}" ${version.name}: the packaging disk, then ${counted(spec.steps.length, 'step')}${remote ? ' on the packaging machine, verify, shut down and finalize' : ''}.`,
        layerId: layer.id,
        version: version.name,
        params: params as unknown as Record<string, unknown>,
      },
      ctx.now(),
    );
  });
  let final: Task = build;
  if (flags.wait) {
    try {
      final = await runWhileWaiting(ctx, build.id, { label: `Building ${layer.name}` });
    } catch (e) {
      if (e instanceof CancelledError) throw new CancelledError(`Stopped waiting; the build goes on in the background (task ${build.id}): elm task wait ${build.id}`);
      throw e;
    }
  } else spawnWorker(ctx.home, build.id, ctx.env);
  if (final.state === 'Failed') process.exitCode = 1;
  const doc = {
    layer: { id: layer.id, name: layer.name },
    version: { name: version.name },
    task: { id: final.id, kind: final.kind, state: final.state, description: final.description },
  };
  if (ctx.io.json) return ctx.out.json(doc);
  if (final.state === 'Failed') return ctx.out.error(`The build task ${final.id} failed: ${final.error ?? final.description}`);
  ctx.out.success(`Build of "${layer.name}" ${version.name}: task ${final.id} ${final.state}.`);
  ctx.out.data(final.state === 'ActionRequired' ? final.description : `Follow it with elm task wait ${final.id}.`);
}
