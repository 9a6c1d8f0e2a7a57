/**
 * elm finalize on the file share: preconditions (exit 3, each named), bad flags (exit 2), and the
 * durable Finalize task: --timeout (exit 4), a second finalize (exit 5), cancel, SIGKILL of the
 * worker then task resume. The timing cases use a sparse 8 GiB disk: hashing every byte makes the
 * import take seconds.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  baseSetup,
  createLayer,
  diskStatus,
  expectCode,
  expectOk,
  expectRefused,
  findFiles,
  GiB,
  hasQemuImg,
  json,
  makeReadyToFinalize,
  MiB,
  pidAlive,
  readState,
  REPORTS,
  scratch,
  sha256File,
  waitFor,
  writeData,
  writeShareReport,
  type Scratch,
} from '../support/e2e';

jest.setTimeout(180_000);

/** Byte-for-byte equality of two big sparse files: qemu-img skips the holes; cmp reads them. */
function sameBytes(a: string, b: string): boolean {
  const r = hasQemuImg ? spawnSync('qemu-img', ['compare', '-q', '-f', 'raw', '-F', 'raw', a, b]) : spawnSync('cmp', ['-s', a, b]);
  return r.status === 0;
}

describe('finalize preconditions', () => {
  let s: Scratch;
  let disk: string;
  beforeAll(async () => {
    s = await scratch(16 * MiB);
    await baseSetup(s);
    await createLayer(s, 'app');
    disk = (await diskStatus(s, 'app')).disk.location;
  });
  afterAll(() => s.cleanup());

  test('before verify (no report): exit 3 naming the missing report, state unchanged', async () => {
    const r = await expectRefused(s, ['finalize', 'app', '--wait'], /no integrity report: .*app\.integrity\.json does not exist/, { code: 3 });
    expect(r.stderr).toContain(path.join(s.share, 'app.integrity.json'));
  });

  test('a report with blockers: exit 3 naming them', async () => {
    await writeShareReport(disk, await fs.readFile(path.join(REPORTS, 'ngen.json')));
    await expectRefused(s, ['finalize', 'app'], /the integrity report has blockers: A Microsoft NGen operation is in progress in the background/, { code: 3 });
  });

  test('a clean report, but the machine was not shut down: exit 3', async () => {
    const clean = JSON.parse(await fs.readFile(path.join(REPORTS, 'clean.json'), 'utf8'));
    await writeShareReport(disk, JSON.stringify({ ...clean, shutdownRequested: false }));
    await expectRefused(s, ['finalize', 'app'], /the packaging machine has not been shut down/, { code: 3 });
  });

  test('shut down, but the disk changed just now: exit 3 saying it must be quiescent', async () => {
    await writeShareReport(disk, await fs.readFile(path.join(REPORTS, 'clean.json')));
    const now = new Date();
    await fs.utimes(disk, now, now);
    await expectRefused(s, ['finalize', 'app', '--settle', '30s'], /must be quiescent for 30s/, { code: 3 });
  });

  test('a malformed report beside the disk: exit 2, state unchanged', async () => {
    await writeShareReport(disk, await fs.readFile(path.join(REPORTS, 'malformed.json')));
    await expectRefused(s, ['finalize', 'app'], /app\.integrity\.json is not valid/);
  });

  test('bad flags and references: exit 2, state unchanged', async () => {
    await expectRefused(s, ['finalize', 'app', '--timeout', 'soon'], /--timeout "soon" is not a duration/);
    await expectRefused(s, ['finalize', 'app', '--settle', '10'], /--settle "10" is not a duration/);
    await expectRefused(s, ['finalize', 'nope'], /No layer named "nope"/);
    await expectRefused(s, ['finalize', 'app', '--version', '7'], /Layer "app" has no version "7"/);
  });

  test('--wait waits out the settle period, then finalizes (exit 0, --json shape)', async () => {
    await makeReadyToFinalize(disk);
    const now = new Date();
    await fs.utimes(disk, now, now); // "the machine just stopped writing"
    const started = Date.now();
    const r = await s.run(['finalize', 'app', '--wait', '--settle', '2s', '--json']);
    const doc = json(r);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    // The wait is said, once, so seconds of silence do not look like a hang.
    expect(r.stderr.match(/Waiting [12]s for the packaging disk to stay unchanged for 2s \(--settle\) before importing it\./g)).toHaveLength(1);
    expect(doc).toMatchObject({ task: { id: expect.any(String), state: 'Complete' }, version: { name: '1', state: 'Deployable' } });
    // A Deployable version cannot be finalized again.
    await expectRefused(s, ['finalize', 'app', '--version', '1'], /is Deployable; only a version in Editing or Finalizable can be finalized/, { code: 3 });
  });
});

describe('the Finalize task on an 8 GiB disk', () => {
  let s: Scratch;
  let disk: string;
  beforeAll(async () => {
    s = await scratch(8 * GiB);
    await writeData(s.osDisk, 100 * MiB, 32 * MiB); // some real data among the holes
    await baseSetup(s);
    await createLayer(s, 'big');
    disk = (await diskStatus(s, 'big')).disk.location;
    await makeReadyToFinalize(disk);
    expectOk(await s.run(['verify', 'big'])); // → Finalizable
  });
  afterAll(() => s.cleanup());

  const state = () => readState(s.home);
  const finalizeTask = async () => (await state()).tasks.filter((t: { kind: string }) => t.kind === 'Finalize').pop();
  const version = async () => (await state()).layers[0].versions[0];
  const repoDir = () => path.join(s.home, 'repository');

  let taskId: string;

  test('--timeout 1s on a slow finalize: exit 4 naming the task, which goes on', async () => {
    const started = Date.now();
    const r = await s.run(['finalize', 'big', '--wait', '--settle', '1s', '--timeout', '1s']);
    expectCode(r, 4);
    expect(Date.now() - started).toBeLessThan(5000);
    const t = await finalizeTask();
    taskId = t.id;
    expect(r.stderr).toMatch(new RegExp(`Timed out after .* waiting for task ${taskId}`));
    expect(r.stderr).toContain(`elm task wait ${taskId}`);
    expect(['Pending', 'Running']).toContain(t.state);
    expect((await version()).state).toBe('Finalizing');
  });

  test('a second finalize while it runs: exit 5 naming the running task', async () => {
    const r = await s.run(['finalize', 'big', '--settle', '1s']);
    expectCode(r, 5);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`already running as task ${taskId}`));
  });

  test('task wait --timeout 1s on it: exit 4', async () => {
    const r = await s.run(['task', 'wait', taskId, '--timeout', '1s']);
    expectCode(r, 4);
    expect(r.stderr).toMatch(new RegExp(`waiting for task ${taskId}`));
  });

  test('task cancel: Canceled, version back to Finalizable, no partial file, the share untouched', async () => {
    const r = json(await s.run(['task', 'cancel', taskId, '--yes', '--json']));
    expect(r).toMatchObject({ id: taskId, kind: 'Finalize', state: 'Canceled' });
    expect((await version()).state).toBe('Finalizable');
    expect(await findFiles(s.dir, /partial/)).toEqual([]);
    expect(await findFiles(repoDir(), /^(?!\.elm-repository\.json$)/)).toEqual([]); // the marker stays
    expect((await fs.stat(disk)).size).toBe(8 * GiB + 512);
    await fs.access(path.join(s.share, 'big.integrity.json'));
    // The task's worker is gone.
    const w = path.join(s.home, 'workers', `task-${taskId}.json`);
    await expect(fs.access(w)).rejects.toThrow();
  });
});

describe('a finalize whose worker is killed mid-import (2 GiB disk)', () => {
  let s: Scratch;
  let original: string;
  beforeAll(async () => {
    s = await scratch(2 * GiB);
    await writeData(s.osDisk, 100 * MiB, 32 * MiB);
    await baseSetup(s);
    await createLayer(s, 'big');
    const disk = (await diskStatus(s, 'big')).disk.location;
    await makeReadyToFinalize(disk);
    // A sparse copy of the disk as the machine left it, to compare the repository copy with.
    original = path.join(s.dir, 'original.vhd');
    execFileSync('cp', ['--sparse=always', disk, original]);
  });
  afterAll(() => s.cleanup());

  const state = () => readState(s.home);
  const finalizeTask = async () => (await state()).tasks.filter((t: { kind: string }) => t.kind === 'Finalize').pop();
  const version = async () => (await state()).layers[0].versions[0];
  const repoDir = () => path.join(s.home, 'repository');
  let taskId: string;

  test('finalize started without --wait, then at once a second one: exit 5', async () => {
    const first = json(await s.run(['finalize', 'big', '--settle', '1s', '--json']));
    expect(first.task.state).toMatch(/Pending|Running/);
    expect(first.version).toEqual({ name: '1', state: 'Finalizing' });
    taskId = first.task.id;
    const second = await s.run(['finalize', 'big', '--settle', '1s']);
    expectCode(second, 5);
    expect(second.stderr).toMatch(new RegExp(`task ${taskId}`));
  });

  test('SIGKILL of the worker mid-import, then task resume: Deployable, no temp files, repository copy intact', async () => {
    const heartbeat = path.join(s.home, 'workers', `task-${taskId}.json`);
    const pid = await waitFor('the worker heartbeat', async () => JSON.parse(await fs.readFile(heartbeat, 'utf8').catch(() => 'null'))?.pid as number | undefined);
    // Mid-import: the partial copy exists in the repository.
    await waitFor('a partial copy in the repository', async () => (await findFiles(repoDir(), /\.partial$/)).length > 0);
    process.kill(pid, 'SIGKILL');
    await waitFor('the worker to die', async () => !pidAlive(pid), 10_000);

    const t = await finalizeTask();
    expect(t.id).toBe(taskId);
    expect(t.state).toBe('Running');
    expect(t.steps.find((x: { name: string }) => x.name === 'capture').state).toBe('Running');

    const r = await s.run(['task', 'resume', taskId, '--json']);
    expectOk(r);
    expect(JSON.parse(r.stdout)).toMatchObject({ id: taskId, kind: 'Finalize', state: 'Complete' });

    const v = await version();
    expect(v.state).toBe('Deployable');
    expect(await findFiles(s.dir, /partial|\.tmp$/)).toEqual([]);
    // The repository copy is the disk byte for byte, and its SHA-256 is the one recorded.
    expect(sameBytes(original, v.artifact.location)).toBe(true);
    expect(await sha256File(v.artifact.location)).toBe(v.artifact.sha256);
    expect(v.artifact.location.startsWith(repoDir())).toBe(true);
    expect((await fs.stat(v.artifact.location)).size).toBe(2 * GiB + 512);
    expect(await fs.readdir(s.share)).toEqual([]);
    const create = (await state()).tasks.find((x: { kind: string }) => x.kind === 'CreatePackagingDisk');
    expect(create.state).toBe('Complete');
    // One Finalize audit entry although the task ran in two processes.
    expect((await state()).layers[0].audit.filter((a: { action: string }) => a.action === 'Finalize')).toHaveLength(1);
  });
});

describe('a packaging disk damaged after the machine shut down', () => {
  let s: Scratch;
  beforeAll(async () => {
    s = await scratch(16 * MiB);
    await baseSetup(s);
  });
  afterAll(() => s.cleanup());

  test('its VHD footer wiped: finalize --wait fails (exit 1) naming it, the version is Broken, nothing imported, the share kept', async () => {
    await createLayer(s, 'dmg');
    const disk = (await diskStatus(s, 'dmg')).disk.location;
    const size = (await fs.stat(disk)).size;
    const fh = await fs.open(disk, 'r+');
    await fh.write(Buffer.alloc(512), 0, 512, size - 512);
    await fh.close();
    await makeReadyToFinalize(disk);

    const r = await s.run(['finalize', 'dmg', '--wait', '--settle', '1s']);
    expectCode(r, 1);
    expect(r.stderr).toMatch(/no longer the vhd disk elm made \(it reads as raw/);
    expect(r.stderr).toContain('Version 1 is Broken.');
    expect(r.stderr).not.toContain('task resume');
    const st = await readState(s.home);
    expect(st.layers[0].versions[0].state).toBe('Broken');
    expect(st.tasks.filter((t: { kind: string }) => t.kind === 'Finalize').pop().state).toBe('Failed');
    // Nothing but the repository's marker file (its id: the layer repository module).
    expect(await findFiles(path.join(s.home, 'repository'), /^(?!\.elm-repository\.json$)/)).toEqual([]);
    expect((await fs.stat(disk)).size).toBe(size); // left for the operator to look at
  });
});
