/**
 * Two "machines" (two ELM_HOMEs with different host names, ELM_HOSTNAME) sharing one remote state
 * on Azurite: each sees the other's layers, tasks, workers and task logs, and one finishes a
 * finalize whose worker was killed on the other. (They share a filesystem here, so the share and
 * the disks are reachable from both, as with a network share.)
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { elm, expectOk, findFiles, GiB, json, makeReadyToFinalize, MiB, ROOT, scratch, sha256File, waitFor, writeData, type Scratch } from '../support/e2e';
import { startRemote, type Remote } from './helpers';

jest.setTimeout(600_000);

let remote: Remote;
let s: Scratch;
let url: string;
let homeB: string;
const alpha = () => remote.env(url, { ELM_HOSTNAME: 'alpha', ELM_USER: 'ann' });
const beta = () => remote.env(url, { ELM_HOSTNAME: 'beta', ELM_USER: 'bob' });
const onA = (args: string[]) => elm(args, { home: s.home, env: alpha() });
const onB = (args: string[]) => elm(args, { home: homeB, env: beta() });

beforeAll(async () => {
  remote = await startRemote();
  url = await remote.newState();
  // A sparse 4 GiB OS disk: hashing every byte keeps the finalize's import busy for seconds.
  s = await scratch(4 * GiB);
  await writeData(s.osDisk, 300 * MiB, 8 * MiB);
  homeB = path.join(s.dir, 'home-b');
  expectOk(await onA(['connector', 'add', 'fileshare', '--name', 'share', '--path', s.share]));
  expectOk(await onA(['os-layer', 'import', '--name', 'win', '--version', '1', '--disk', s.osDisk]));
});
afterAll(async () => {
  await s?.cleanup();
  await remote?.stop();
});

test('a layer made on one machine is seen on the other; its task log reads from either', async () => {
  const created = json(await onA(['layer', 'create', '--name', 'shared', '--version', '1', '--os-layer', 'win', '--connector', 'share', '--hypervisor', 'xenserver', '--wait', '--json']));
  expect(created.task.state).toBe('ActionRequired');
  const onBList = json(await onB(['layer', 'list', '--json']));
  expect(onBList.map((l: { name: string }) => l.name)).toEqual(['shared']);
  const task = json(await onB(['task', 'show', created.task.id, '--json']));
  expect(task).toMatchObject({ id: created.task.id, kind: 'CreatePackagingDisk', state: 'ActionRequired' });
  // The log of a run on alpha, read on beta (it is an append blob beside the state).
  const log = await onB(['task', 'logs', created.task.id]);
  expectOk(log);
  expect(log.stdout).toMatch(new RegExp(`running task ${created.task.id} in waiting process \\d+`));
  expect(log.stdout).toContain('step writeDisk: done');
  // Nothing of it under beta's home: no state file, no log file.
  expect(await findFiles(homeB, /state\.json|\.log$/)).toEqual([]);
});

test("beta sees alpha's finalize worker; alpha's worker killed, beta resumes the finalize and finishes it", async () => {
  json(await onA(['layer', 'create', '--name', 'moved', '--version', '1', '--os-layer', 'win', '--connector', 'share', '--hypervisor', 'xenserver', '--wait', '--json']));
  const disk = json(await onB(['disk', 'status', 'moved', '--json'])).disk.location;
  await makeReadyToFinalize(disk);
  const sha = await sha256File(disk);

  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'elm.js'), 'finalize', 'moved', '--wait', '--settle', '1s'], {
    env: { ...process.env, ...alpha(), ELM_HOME: s.home, NODE_OPTIONS: '' },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_c, sig) => resolve(sig)));
  // beta sees the finalize task and its worker: the waiting process on alpha.
  const seen = await waitFor(
    "alpha's finalize worker, from beta",
    async () => {
      const tasks = json(await onB(['task', 'list', '--json']));
      return tasks.find((t: { kind: string; worker: unknown }) => t.kind === 'Finalize' && t.worker);
    },
    120_000,
    500,
  );
  expect(seen.worker).toEqual({ pid: child.pid, host: 'alpha' });
  await waitFor('a partial file in the repository', async () => (await findFiles(path.join(s.home, 'repository'), /\.partial$/)).length > 0, 120_000, 100);
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');

  // Until its heartbeat goes stale (5 s), beta counts alpha's worker as alive and does not start a second one.
  const busy = await onB(['finalize', 'moved', '--wait', '--settle', '1s']);
  if (busy.code === 5) expect(busy.stderr).toMatch(new RegExp(`already running as task ${seen.id}`));
  else expectOk(busy); // this machine was slow enough that the heartbeat was already stale: resumed

  if (busy.code === 5) {
    // Stale is judged on the storage's clock, whose Date and Last-Modified have whole seconds:
    // wait until beta counts the worker dead rather than for a fixed time.
    await waitFor(
      "alpha's worker counted dead by beta",
      async () => !json(await onB(['task', 'list', '--json'])).find((t: { id: string; worker: unknown }) => t.id === seen.id)?.worker,
      60_000,
      500,
    );
    const resumed = await onB(['finalize', 'moved', '--wait', '--settle', '1s']);
    expectOk(resumed);
    expect(resumed.stderr).toContain(`Resuming finalize task ${seen.id}`);
  }
  const state = await remote.read(url);
  const v = state.layers.find((l: { name: string }) => l.name === 'moved').versions[0];
  expect(v.state).toBe('Deployable');
  expect(v.artifact.sha256).toBe(sha);
  expect(state.tasks.find((t: { id: string }) => t.id === seen.id)).toMatchObject({ state: 'Complete', worker: null });
  expect(state.layers.find((l: { name: string }) => l.name === 'moved').audit.filter((a: { action: string }) => a.action === 'Finalize')).toHaveLength(1);
  // alpha sees the outcome too, and nothing is left running anywhere.
  expect(json(await onA(['layer', 'show', 'moved', '--json'])).versions[0].state).toBe('Deployable');
  // Only the first layer's create task is left, waiting for the operator.
  expect(json(await onA(['task', 'list', '--json'])).map((t: { kind: string; state: string }) => [t.kind, t.state])).toEqual([['CreatePackagingDisk', 'ActionRequired']]);
  const workers = [];
  for await (const b of remote.container.listBlobsFlat({ prefix: `${remote.blobName(url)}.workers/` })) workers.push(b.name);
  expect(workers).toEqual([]);
  expect(await findFiles(s.dir, /\.partial$/)).toEqual([]);
  await fs.access(v.artifact.location);
});
