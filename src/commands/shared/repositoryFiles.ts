import { promises as fs } from 'node:fs';
import path from 'node:path';
import { hostName } from '../../domain/hostName';
import type { LayerVersion } from '../../domain/state';
import { reachesRepository } from '../../repository/reach';
import { isTokenFolder } from '../../repository/versionRepository';
import type { Deletion, VersionCleanup } from './deletion';

/**
 * What removing a version deletes of the layer repository: only what the version records. Its own
 * folder (a token no other version shares) as a whole; for a version an older elm finalized (its
 * folder `<layer id>/<version>` may be another state's too: ids are counted per state), only its
 * recorded layer disk, and the folders around it only once they are empty.
 */
export async function planRepositoryFiles(version: LayerVersion, env: NodeJS.ProcessEnv): Promise<VersionCleanup> {
  const artifact = version.artifact && isLocalPath(version.artifact.location) ? version.artifact : null;
  // An older elm that rewrote the state drops the record; a token folder is still told by its name.
  const dir = version.repository?.dir ?? (artifact && isTokenFolder(path.dirname(artifact.location)) ? path.dirname(artifact.location) : null);
  if (dir) {
    const here = hostName(env);
    if (version.repository && !(await reachesRepository(version.repository, here)))
      return { deletions: [], leaves: [`the layer repository folder ${dir} on ${version.repository.host} (this machine, ${here}, does not reach it; delete it there)`] };
    const deletions: Deletion[] = [{ what: `layer repository folder ${dir}`, run: () => fs.rm(dir, { recursive: true, force: true }) }];
    if (artifact && path.dirname(artifact.location) !== dir) deletions.push(fileDeletion(artifact.location));
    return { deletions, leaves: [] };
  }
  if (!artifact) return { deletions: [], leaves: [] };
  const files = [artifact.location];
  // A vSphere layer disk is a descriptor and the flat extent beside it (vsphereConnector's finalize).
  if (artifact.format === 'vmdk') files.push(artifact.location.replace(/\.vmdk$/i, '-flat.vmdk'));
  const deletions = files.map(fileDeletion);
  // The old folders, `<repository>/<layer id>/<version>`, go once nothing else is in them.
  const folder = path.dirname(artifact.location);
  if (path.basename(path.dirname(path.dirname(folder))) === 'repository')
    deletions.push({ what: `layer repository folder ${folder} (if empty)`, run: () => removeIfEmpty(folder).then(() => removeIfEmpty(path.dirname(folder))) });
  return { deletions, leaves: [] };
}

function fileDeletion(file: string): Deletion {
  return { what: `layer disk ${file}`, run: () => fs.rm(file, { force: true }) };
}

/** rmdir: a folder that still holds anything (another state's files) stays. */
async function removeIfEmpty(dir: string): Promise<void> {
  await fs.rmdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (!['ENOTEMPTY', 'EEXIST', 'ENOENT'].includes(e.code ?? '')) throw e;
  });
}

export function isLocalPath(location: string): boolean {
  return path.isAbsolute(location) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(location);
}
