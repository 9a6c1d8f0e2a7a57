/**
 * `elm finalize --wait` runs its task in the waiting process (no detached worker), and stays as
 * durable as a worker: killed outright, the next finalize picks the task up; `task cancel` from
 * another terminal cancels it; a plain SIGTERM hands it to a background worker that finishes it.
 * Also the two ways the disk reaches the repository: a hard link when the share is on the
 * repository's filesystem, a real copy when it is not.
 *
 * Each layer's disk is a sparse 4 GiB: hashing every byte keeps the import busy for seconds.
 */
import { spawn } from 'node:child_process';
import { promises as fs, statSync } from 'node:fs';
import path from 'node:path';
import {
  baseSetup,
  createLayer,
  diskStatus,
  expectOk,
  findFiles,
  GiB,
  json,
  makeReadyToFinalize,
  MiB,
  pidAlive,
  readState,
  ROOT,
  scratch,
  sha256File,
  waitFor,
  writeData,
  type Scratch,
} from '../support/e2e';

jest.setTimeout(180_000);

let s: Scratch;
beforeAll(async () => {
  s = await scratch(4 * GiB);
  await writeData(s.osDisk, 300 * MiB, 8 * MiB);
  await baseSetup(s);
});
afterAll(() => s.cleanup());

const state = () => readState(s.home);
const finalizeOf = async (layer: string) => {
  const st = await state();
  const id = st.layers.find((l: { name: string }) => l.name === layer).id;
  return st.tasks.filter((t: { kind: string; layerId: string }) => t.kind === 'Finalize' && t.layerId === id).pop();
};
const versionOf = async (layer: string) => (await state()).layers.find((l: { name: string }) => l.name === layer).versions[0];

/** A layer whose packaging disk is ready to finalize; returns the disk's path. */
async function readyLayer(name: string): Promise<string> {
  await createLayer(s, name);
  const disk = (await diskStatus(s, name)).disk.location;
  await makeReadyToFinalize(disk);
  return disk;
}

/** `elm finalize NAME --wait` as a child we can signal; resolves its exit code and output. */
function startFinalizeWait(name: string, extra: string[] = []) {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'elm.js'), 'finalize', name, '--wait', '--settle', '1s', ...extra], {
    env: { ...process.env, ELM_HOME: s.home, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

/** Waits until the import is under way: the task's heartbeat names a process, a partial file exists. */
async function importUnderWay(layer: string): Promise<{ taskId: string; pid: number }> {
  const task = await waitFor('the finalize task', () => finalizeOf(layer));
  const heartbeat = path.join(s.home, 'workers', `task-${task.id}.json`);
  const pid = await waitFor('the heartbeat', async () => JSON.parse(await fs.readFile(heartbeat, 'utf8').catch(() => 'null'))?.pid as number | undefined);
  await waitFor('a partial file in the repository', async () => (await findFiles(path.join(s.home, 'repository'), /\.partial$/)).length > 0);
  return { taskId: task.id, pid };
}

test('the task runs in the waiting process itself, and its log says so', async () => {
  const disk = await readyLayer('here');
  const run = startFinalizeWait('here', ['--json']);
  const { taskId, pid } = await importUnderWay('here');
  expect(pid).toBe(run.child.pid); // no detached worker was started
  const r = await run.done;
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout)).toMatchObject({ task: { id: taskId, state: 'Complete' }, version: { state: 'Deployable' } });
  const log = await fs.readFile(path.join(s.home, 'logs', `task-${taskId}.log`), 'utf8');
  expect(log).toContain(`running task ${taskId} in waiting process ${run.child.pid}`);
  expect(log).toMatch(/step capture: done[\s\S]*step complete: done/);
  await expect(fs.access(disk)).rejects.toThrow(); // the share was emptied
});

test('killed with SIGKILL mid-import, the next finalize --wait finishes the same task: one audit entry, no partial file', async () => {
  await readyLayer('killed');
  const run = startFinalizeWait('killed');
  const { taskId, pid } = await importUnderWay('killed');
  process.kill(pid, 'SIGKILL');
  expect((await run.done).signal).toBe('SIGKILL');
  await waitFor('the process to be gone', async () => !pidAlive(pid));
  const left = await finalizeOf('killed');
  expect(left.state).toBe('Running');
  expect(left.steps.find((x: { name: string }) => x.name === 'capture').state).toBe('Running');

  const r = await s.run(['finalize', 'killed', '--wait', '--settle', '1s', '--json']);
  expectOk(r);
  expect(JSON.parse(r.stdout)).toMatchObject({ task: { id: taskId, state: 'Complete' }, version: { state: 'Deployable' } });
  const v = await versionOf('killed');
  expect(await sha256File(v.artifact.location)).toBe(v.artifact.sha256);
  expect((await fs.stat(v.artifact.location)).size).toBe(4 * GiB + 512);
  expect(await findFiles(s.dir, /partial|\.tmp$/)).toEqual([]);
  const layer = (await state()).layers.find((l: { name: string }) => l.name === 'killed');
  expect(layer.audit.filter((a: { action: string }) => a.action === 'Finalize')).toHaveLength(1);
});

test('task cancel from another terminal: the waiting finalize ends with exit 1, the version back as it was, the share untouched', async () => {
  const disk = await readyLayer('cancelled');
  const run = startFinalizeWait('cancelled');
  const { taskId } = await importUnderWay('cancelled');
  const cancel = json(await s.run(['task', 'cancel', taskId, '--yes', '--json']));
  expect(cancel).toMatchObject({ id: taskId, state: 'Canceled' });
  const r = await run.done;
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(`Finalize task ${taskId} was canceled. Version 1 is Editing again`);
  expect((await versionOf('cancelled')).state).toBe('Editing'); // never verified: Editing, as before finalize
  expect(await findFiles(path.join(s.home, 'repository'), /cancelled/)).toEqual([]);
  expect((await fs.stat(disk)).size).toBe(4 * GiB + 512);
  await expect(fs.access(path.join(s.home, 'workers', `task-${taskId}.json`))).rejects.toThrow();
});

test('a plain SIGTERM: exit 143 saying the task goes on; a background worker finishes it', async () => {
  await readyLayer('termed');
  const run = startFinalizeWait('termed');
  const { taskId, pid } = await importUnderWay('termed');
  process.kill(pid, 'SIGTERM');
  const r = await run.done;
  expect(r.code).toBe(143);
  expect(r.stderr).toContain(`task ${taskId} goes on in the background: elm task wait ${taskId}`);
  const done = json(await s.run(['task', 'wait', taskId, '--json']));
  expect(done).toMatchObject({ id: taskId, state: 'Complete' });
  expect((await versionOf('termed')).state).toBe('Deployable');
  expect(await findFiles(s.dir, /partial|\.tmp$/)).toEqual([]);
  // The worker that took over hashed again from the start and said so; its progress went back with it.
  const logs = await s.run(['task', 'logs', taskId]);
  expectOk(logs);
  expect(logs.stdout).toContain('hash restarted after hand-over');
  expect(logs.stdout).toMatch(/step capture: restarted from its beginning, progress back to 0%/);
});

test('a share on the repository filesystem is linked, not copied: the same file, no second copy of its blocks', async () => {
  const disk = await readyLayer('linked');
  const before = statSync(disk);
  expectOk(await s.run(['finalize', 'linked', '--wait', '--settle', '1s']));
  const v = await versionOf('linked');
  const after = statSync(v.artifact.location);
  expect(after.ino).toBe(before.ino);
  expect(after.dev).toBe(before.dev);
  expect(after.nlink).toBe(1); // the share's name is gone
  expect(await sha256File(v.artifact.location)).toBe(v.artifact.sha256);
});

// Another filesystem is needed to see the copy; tmpfs at /dev/shm is one on most Linux machines.
const shm = (() => {
  try {
    return statSync('/dev/shm').isDirectory() && statSync('/dev/shm').dev !== statSync(ROOT).dev ? '/dev/shm' : null;
  } catch {
    return null;
  }
})();
(shm ? test : test.skip)('a share on another filesystem is copied: a separate, sparse file with the same bytes and SHA-256', async () => {
  const far = await fs.mkdtemp(path.join(shm!, 'elm-e2e-share-'));
  try {
    expectOk(await s.run(['connector', 'add', 'fileshare', '--name', 'far', '--path', far]));
    expectOk(await s.run(['layer', 'create', '--name', 'copied', '--version', '1', '--os-layer', 'win', '--connector', 'far', '--hypervisor', 'xenserver', '--wait']));
    const disk = (await diskStatus(s, 'copied')).disk.location;
    await makeReadyToFinalize(disk);
    const expected = await sha256File(disk);
    expectOk(await s.run(['finalize', 'copied', '--wait', '--settle', '1s']));
    const v = await versionOf('copied');
    expect(v.artifact.sha256).toBe(expected);
    expect(await sha256File(v.artifact.location)).toBe(expected);
    const st = statSync(v.artifact.location);
    expect(st.size).toBe(4 * GiB + 512);
    expect(st.blocks * 512).toBeLessThan(64 * MiB); // holes stayed holes
    expect(await fs.readdir(far)).toEqual([]);
    // The copy started while the task was recorded took its place: nothing else beside it.
    expect(await fs.readdir(path.dirname(v.artifact.location))).toEqual([path.basename(v.artifact.location)]);
  } finally {
    await fs.rm(far, { recursive: true, force: true });
  }
});
