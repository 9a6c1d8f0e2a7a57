import { promises as fs } from 'node:fs';
import path from 'node:path';
import { NotReadyError } from '../domain/errors';
import { hostName } from '../domain/hostName';
import type { State, Task } from '../domain/state';
import { capturesIntoRepository } from '../repository/capture';
import { reachesRepository } from '../repository/reach';
import type { FinalizeParams } from './kinds/finalize';

/**
 * A Finalize task writes the layer disk into the repository folder it recorded and then deletes
 * the packaging disk: run on a machine that does not reach that folder, it would put the only copy
 * of the disk where the state says nothing is. So such a task runs only where the folder is
 * reached (exit 3 elsewhere, saying where to run it); the task stays as it was, to resume there.
 */
export async function refuseRepositoryElsewhere(env: NodeJS.ProcessEnv, state: State, task: Task): Promise<void> {
  const why = await repositoryElsewhere(env, state, task);
  if (why) throw new NotReadyError(why);
}

/** Why this machine must not run the task, or null. */
export async function repositoryElsewhere(env: NodeJS.ProcessEnv, state: State, task: Task): Promise<string | null> {
  if (task.kind !== 'Finalize') return null;
  const p = task.params as unknown as FinalizeParams;
  const type = state.connectors.find((c) => c.name === p.connector)?.type;
  if (!capturesIntoRepository(type)) return null;
  const here = hostName(env);
  const resume = `elm task resume ${task.id}`;
  if (p.repository) {
    if (await reachesRepository(p.repository, here)) return null;
    const root = path.dirname(p.repository.dir);
    return `Finalize task ${task.id} imports the layer disk into the layer repository on ${p.repository.host} at ${root}, which this machine (${here}) does not reach; run ${resume} on ${p.repository.host}, or here once that folder is shared at ${root}. The packaging disk was left as it is.`;
  }
  // Recorded by an older elm: `<repository>/<layer id>/<version>`, no host. This machine reaches
  // it when that repository folder is here.
  const root = path.dirname(path.dirname(p.repositoryDir));
  if (await isFolder(root)) return null;
  const where = task.worker?.host ?? 'the machine that started it';
  return `Finalize task ${task.id} imports the layer disk into the layer repository at ${root}, which is not on this machine (${here}); run ${resume} on ${where}. The packaging disk was left as it is.`;
}

async function isFolder(dir: string): Promise<boolean> {
  return fs.stat(dir).then(
    (st) => st.isDirectory(),
    () => false,
  );
}
