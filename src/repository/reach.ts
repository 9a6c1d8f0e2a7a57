import path from 'node:path';
import type { VersionRepository } from '../domain/state';
import { readRepositoryId } from './marker';

/**
 * Whether this machine reaches a version's repository folder: the repository's marker is the one
 * recorded (the same folder, here or through a share mounted at the same path), or this is the
 * machine that chose it and the repository has no marker yet (its folder was deleted: made again
 * here). A marker with another id is another repository at the same path (a CI container with the
 * same home and host name): never written into.
 */
export async function reachesRepository(rec: VersionRepository, here: string): Promise<boolean> {
  const id = await readRepositoryId(path.dirname(rec.dir));
  if (id !== null) return id === rec.repositoryId;
  return rec.host === here;
}
