import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { homePaths } from '../domain/home';
import type { VersionRepository } from '../domain/state';
import { ensureRepositoryMarker } from './marker';
import { reachesRepository } from './reach';

/**
 * The folder a version's layer disk goes into: the one it already records when this machine
 * reaches it (a finalize run again after a failure), else a new one in this home's repository,
 * named by a random token so no other version (of this state or another) ever shares it.
 */
export async function chooseVersionRepository(home: string, host: string, now: Date, recorded: VersionRepository | undefined): Promise<VersionRepository> {
  if (recorded && (await reachesRepository(recorded, host))) return recorded;
  const root = homePaths(home).repository;
  const repositoryId = await ensureRepositoryMarker(root, host, now);
  return { dir: path.join(root, randomUUID()), host, repositoryId };
}

const TOKEN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A folder named as chooseVersionRepository names them: one version's alone. */
export function isTokenFolder(dir: string): boolean {
  return TOKEN.test(path.basename(dir));
}
