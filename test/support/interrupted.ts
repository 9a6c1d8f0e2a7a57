import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createLayer, diskStatus, findFiles, json, makeReadyToFinalize, pidAlive, readState, waitFor, type Scratch } from './e2e';

/**
 * A Finalize task whose worker was SIGKILLed mid-import (the scratch needs an OS disk big enough
 * for the import to take a moment, e.g. 2 GiB): left Running, a partial copy in the repository.
 */
export async function interruptedFinalize(s: Scratch, layer: string): Promise<string> {
  await createLayer(s, layer);
  await makeReadyToFinalize((await diskStatus(s, layer)).disk.location);
  const id: string = json(await s.run(['finalize', layer, '--settle', '1s', '--json'])).task.id;
  const heartbeat = path.join(s.home, 'workers', `task-${id}.json`);
  const pid = await waitFor('the worker heartbeat', async () => JSON.parse(await fs.readFile(heartbeat, 'utf8').catch(() => 'null'))?.pid as number | undefined);
  await waitFor('a partial copy in the repository', async () => (await findFiles(path.join(s.home, 'repository'), /\.partial$/)).length > 0);
  process.kill(pid, 'SIGKILL');
  await waitFor('the worker to die', async () => !pidAlive(pid), 10_000);
  const task = (await readState(s.home)).tasks.find((t: { id: string }) => t.id === id);
  if (task.state !== 'Running') throw new Error(`interruptedFinalize: task ${id} is ${task.state}, not Running`);
  return id;
}
