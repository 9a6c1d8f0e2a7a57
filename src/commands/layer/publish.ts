import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Context } from '../../runtime/context';
import { addTask } from '../../domain/addTask';
import { homePaths } from '../../domain/home';
import { ConflictError, ExitCode, NotReadyError, UsageError } from '../../domain/errors';
import type { Layer, LayerVersion, State, Task } from '../../domain/state';
import { identityOf } from '../../publish/imageFile';
import { pvsRegistration } from '../../publish/pvsRegistration';
import type { GalleryTarget } from '../../publish/galleryTarget';
import { type FileTarget, type PublishFlags, publishTarget, targetPath } from '../../publish/target';
import type { PublishParams } from '../../tasks/kinds/publish';
import { runWhileWaiting } from '../../tasks/runWhileWaiting';
import { spawnWorker } from '../../tasks/spawnWorker';
import { findConnector, findLayer } from '../shared/lookup';
import { publishTemplate } from './publishTemplate';
import { layerDisk, publishableVersion } from './publishSource';
import { claimVersion } from '../shared/versionLock';
import { waitChoice } from '../shared/waitChoice';

/**
 * `layer publish`: a durable Publish task that turns a Deployable version into an image the
 * platform boots. Checked first (exit 2 for bad flags, 3 for a version that is not Deployable),
 * then recorded and run here with --wait or in a detached worker.
 */
export async function run(ctx: Context, flags: PublishFlags, [ref]: string[]): Promise<void> {
  const { wait, timeoutMs } = waitChoice(flags, false);
  const store = await ctx.store();
  const state = await store.read();
  const layer = findLayer(state, ref);
  const version = publishableVersion(layer, flags.version);
  const config = findConnector(state, flags.to);
  if (config.type === 'vsphere') return publishTemplate(ctx, flags, { store, state, layer, version, config, wait, timeoutMs });
  const target = publishTarget(config, flags, layer, version);
  const source = target.kind === 'azureGalleryImageVersion' ? galleryDisk(layer, version) : await layerDisk(layer, version);
  if (target.kind !== 'azureGalleryImageVersion') {
    refuseRepositoryFolder(ctx.home, target);
    await refuseTakenName(state, target);
  }
  // On Azure the gallery is read first: an unfit definition or a taken version number is exit 2, nothing recorded.
  if (target.kind === 'azureGalleryImageVersion') await (await ctx.connector(config)).checkGalleryPublish?.(galleryRequest(state, layer, version, target, source.location));
  const token = randomBytes(6).toString('hex');
  const task = await store.mutate(async (s) => {
    const v = publishableVersion(findLayer(s, layer.id), version.name);
    await claimVersion(ctx, s, layer.id, v.name);
    refuseSamePublish(s, targetPath(target));
    const dest = targetPath(target);
    const format = target.kind === 'azureGalleryImageVersion' ? 'vhd' : target.format;
    const gallery = target.kind === 'azureGalleryImageVersion' ? galleryRequest(s, layer, v, target, source.location) : undefined;
    const params: PublishParams = { connector: config.name, kind: target.kind, source, dest, format, token, comment: flags.comment ?? '', user: ctx.user(), ...(gallery ? { gallery } : {}) };
    return addTask(s, { kind: 'Publish', description: `Publishing "${layer.name}" ${v.name} to ${config.name}: ${params.dest}.`, layerId: layer.id, version: v.name, params: params as unknown as Record<string, unknown> }, ctx.now());
  });
  if (!wait) spawnWorker(ctx.home, task.id, ctx.env);
  const final = wait ? await runWhileWaiting(ctx, task.id, { timeoutMs, label: `Publishing "${layer.name}" ${version.name}` }) : task;
  report(ctx, final, target, config.settings);
}

/** On Azure the layer disk is the VHD blob finalize copied into the connector's container. */
function galleryDisk(layer: Layer, version: LayerVersion): PublishParams['source'] {
  const a = version.artifact;
  if (!a) throw new NotReadyError(`"${layer.name}" ${version.name} has no layer disk recorded; finalize it again.`);
  if (!/^https?:\/\//.test(a.location) || a.format !== 'vhd')
    throw new UsageError(`The layer disk of "${layer.name}" ${version.name} is ${a.location} (${a.format}), not a VHD blob in Azure storage; publish it to a file share instead (--to SHARE --format vhd).`);
  return { location: a.location, format: a.format, sha256: a.sha256 };
}

/** What the image definition takes from the build: the OS layer's generation, Trusted Launch when a machine of this version was deployed with it. */
function galleryRequest(state: State, layer: Layer, version: LayerVersion, t: GalleryTarget, sourceUri: string): NonNullable<PublishParams['gallery']> {
  const os = state.osLayers.find((o) => o.name === version.osLayer.name)?.versions.find((v) => v.name === version.osLayer.version);
  const generation = os?.generation ?? 'V1';
  const trustedLaunch = state.tasks.some((k) => k.layerId === layer.id && k.version === version.name && /"securityType":"trustedlaunch"/i.test(JSON.stringify(k.params)));
  return {
    layer: { id: layer.id, name: layer.name, version: version.name },
    gallery: t.gallery,
    imageDefinition: t.imageDefinition,
    imageVersion: t.imageVersion,
    sourceUri,
    generation,
    trustedLaunch,
    replicaRegions: t.replicaRegions,
    storageAccountType: t.storageAccountType,
  };
}

/** elm never writes over a file it did not make: the name must be free before a task is recorded. */
async function refuseTakenName(state: State, target: FileTarget): Promise<void> {
  const dest = targetPath(target);
  try {
    const st = await fs.stat(target.dir);
    if (!st.isDirectory()) throw new UsageError(`--out ${target.dir} is a file, not a folder.`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`The folder ${target.dir} does not exist; create it or mount the share first.`);
    throw e;
  }
  if (!(await identityOf(dest))) return;
  const ours = state.layers.flatMap((l) => l.versions.flatMap((v) => (v.images ?? []).filter((i) => i.location === dest).map(() => `"${l.name}" ${v.name}`)));
  const said = ours.length ? `: ${ours[0]} was published there` : '';
  throw new UsageError(`${dest} exists${said}; elm never replaces a file: move it away or publish under another --name.`);
}

/** The layer repository is elm's own: removing a version deletes its folder, so no image goes there. */
function refuseRepositoryFolder(home: string, target: FileTarget): void {
  const repo = homePaths(home).repository;
  const rel = path.relative(repo, target.dir);
  if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel)))
    throw new UsageError(`--out ${target.dir} is inside the layer repository (${repo}), which elm cleans up itself; choose a folder outside it.`);
}

function refuseSamePublish(state: State, dest: string): void {
  const busy = state.tasks.find((t) => t.kind === 'Publish' && ['Pending', 'Running', 'Canceling'].includes(t.state) && (t.params as { dest?: string }).dest === dest);
  if (busy) throw new ConflictError(`Task ${busy.id} is already publishing to ${dest}; wait for it with elm task wait ${busy.id}.`);
}

function report(ctx: Context, task: Task, target: FileTarget | GalleryTarget, settings: Record<string, unknown>): void {
  const p = task.params as unknown as PublishParams;
  const registration = target.kind === 'pvsVdisk' ? pvsRegistration(settings, target.fileName) : null;
  if (task.state === 'Failed' || task.state === 'Canceled') process.exitCode = ExitCode.failed;
  if (ctx.io.json) {
    const galleryId = task.steps.find((st) => st.name === 'gallery')?.data.id;
    const image =
      p.kind === 'azureGalleryImageVersion'
        ? { kind: p.kind, id: typeof galleryId === 'string' ? galleryId : null, location: p.dest }
        : { kind: p.kind, id: p.token, location: p.dest, format: p.format, checksumFile: `${p.dest}.sha256` };
    return ctx.out.json({ task: { id: task.id, kind: task.kind, state: task.state, description: task.description, error: task.error }, image, ...(registration ? { registration } : {}) });
  }
  if (task.state === 'Complete') {
    ctx.out.success(task.description);
    if (registration) {
      ctx.out.info(`Register the vDisk in store "${registration.store}" of site "${registration.site}": run on a machine with the PVS console:`);
      ctx.out.data(registration.powershell);
    }
  } else if (task.state === 'Failed') ctx.out.error(`Publish task ${task.id} failed: ${task.error}`);
  else if (task.state === 'Canceled') ctx.out.error(`Publish task ${task.id} was canceled. ${task.description}`);
  else ctx.out.success(`Publish task ${task.id} started (${task.state}); follow it with elm task wait ${task.id}.`);
}
