import { promises as fs } from 'node:fs';
import type { Context } from '../../runtime/context';
import type { Layer, LayerVersion, State } from '../../domain/state';
import { handBuildFiles } from '../../tasks/kinds/handBuild';
import type { Deletion, VersionCleanup } from './deletion';
import { machineLeftover } from './machineLeftover';
import { isLocalPath, planRepositoryFiles } from './repositoryFiles';

/**
 * Planned before the state changes (the connector is loaded while its configuration exists), run
 * after: a failure to delete then leaves a file to delete by hand, never a version pointing at
 * nothing.
 */
export async function planVersionCleanup(ctx: Context, state: State, layer: Layer, version: LayerVersion): Promise<VersionCleanup> {
  const deletions: Deletion[] = [];
  const leaves: string[] = [];
  const artifact = version.artifact?.location;
  if (artifact && !isLocalPath(artifact)) leaves.push(`the layer disk ${artifact} (elm does not delete platform copies; delete it there)`);
  // Only what the version records of the repository: never a folder it may share with another state.
  const own = await planRepositoryFiles(version, ctx.env);
  deletions.push(...own.deletions);
  leaves.push(...own.leaves);

  const disk = version.packagingDisk.location;
  if (disk && version.state !== 'Deployable') {
    const config = state.connectors.find((c) => c.name === version.connector);
    if (!config) leaves.push(`the packaging disk ${disk} (its connector "${version.connector}" is gone)`);
    else {
      const connector = await ctx.connector(config);
      deletions.push({ what: `packaging disk ${disk}`, run: () => connector.discardPackagingDisk(disk), shown: true });
      if (config.type === 'fileshare') {
        const { shareReportPath } = await import('../../connectors/fileshare/shareReport.js');
        deletions.push({ what: `integrity report ${shareReportPath(disk)}`, run: () => fs.rm(shareReportPath(disk), { force: true }) });
      }
    }
  }
  deletions.push(...(await buildFileDeletions(state, version)));
  // A published image is in use where it was published (a PVS store, an image library): it stays.
  for (const image of version.images ?? []) leaves.push(`the published image ${image.location} (elm never deletes a published image; delete it there when nothing uses it)`);
  if (version.machine) leaves.push(machineLeftover(version.machine, state.connectors.find((c) => c.name === version.connector)));
  return { deletions, leaves };
}

/**
 * A build on the file share wrote its script and a folder of its files beside the packaging disk;
 * they go with the version, by the paths the build recorded before writing them (the build is
 * this version's: it made the version's packaging disk task). Finalize deletes them already; only
 * what is still there is named.
 */
async function buildFileDeletions(state: State, version: LayerVersion): Promise<Deletion[]> {
  if (!version.createTaskId) return [];
  const builds = state.tasks.filter((t) => t.kind === 'LayerBuild' && t.params.createTaskId === version.createTaskId && !t.params.remote);
  const files = builds.flatMap((b) => handBuildFiles(b));
  const present = await Promise.all(files.map((f) => fs.lstat(f).then((st) => ({ f, dir: st.isDirectory() }), () => null)));
  return present
    .filter((p): p is { f: string; dir: boolean } => p !== null)
    .map(({ f, dir }) => ({ what: `${dir ? 'build files folder' : 'build script'} ${f}`, run: () => fs.rm(f, { recursive: dir, force: true }), shown: true }));
}

/** Runs each deletion; returns the ones that failed, each with its reason. */
export async function runDeletions(deletions: Deletion[]): Promise<string[]> {
  const failed: string[] = [];
  for (const d of deletions) {
    try {
      await d.run();
    } catch (e) {
      failed.push(`${d.what}: ${(e as Error).message}`);
    }
  }
  return failed;
}

/** Reports what was deleted, what was kept and what could not be deleted; a deletion that failed is exit 1. */
export function reportLeftovers(ctx: Context, leaves: string[], failed: string[], deletions: Deletion[] = []): void {
  for (const d of deletions) if (d.shown && !failed.some((f) => f.startsWith(`${d.what}: `))) ctx.out.info(`Deleted the ${d.what}.`);
  for (const l of leaves) ctx.out.warn(`Left in place: ${l}.`);
  for (const f of failed) ctx.out.error(`Could not delete ${f}; delete it by hand.`);
  if (failed.length) process.exitCode = 1;
}
