/**
 * elm task list | show | wait | resume | cancel through the real binary, and the durable-task
 * promise of the README's Quickstart: a task whose worker was killed is finished by the next `task wait` or
 * `finalize --wait`, without temp files left behind.
 */
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
  json,
  makeReadyToFinalize,
  pidAlive,
  readState,
  scratch,
  waitFor,
  type Scratch,
} from '../support/e2e';

jest.setTimeout(120_000);

let s: Scratch;
let createId: string;
beforeAll(async () => {
  s = await scratch(2 * GiB);
  await baseSetup(s);
  createId = (await createLayer(s, 'app')).task.id;
});
afterAll(() => s.cleanup());

describe('task list, show, wait', () => {
  test('list --json: an array of tasks with id; ActionRequired counts as not ended', async () => {
    const list = json(await s.run(['task', 'list', '--json']));
    expect(list).toEqual([expect.objectContaining({ id: createId, kind: 'CreatePackagingDisk', state: 'ActionRequired' })]);
    const text = await s.run(['task', 'list']);
    expectOk(text);
    expect(text.stdout).toMatch(/^ID\s+KIND\s+STATE\s+PROGRESS\s+LAYER\s+VERSION\s+STARTED/);
    expect(text.stdout).toMatch(new RegExp(`^${createId}\\s+CreatePackagingDisk\\s+ActionRequired\\s+100%\\s+app\\s+1`, 'm'));
  });

  test('show --json: {id, kind, state, description} and its steps', async () => {
    const t = json(await s.run(['task', 'show', createId, '--json']));
    expect(t).toMatchObject({ id: createId, kind: 'CreatePackagingDisk', state: 'ActionRequired', description: expect.stringContaining(path.join(s.share, 'app.vhd')) });
    expect(t.steps.map((x: { name: string; state: string }) => [x.name, x.state])).toEqual([
      ['writeDisk', 'Done'],
      ['recordDisk', 'Done'],
    ]);
    const text = await s.run(['task', 'show', createId]);
    expectOk(text);
    expect(text.stdout).toContain(`Task ${createId} CreatePackagingDisk: ActionRequired (100%) — app 1`);
    expect(text.stderr).toContain(path.join(s.home, 'logs', `task-${createId}.log`));
  });

  test('wait on a task waiting for the operator returns at once (exit 0)', async () => {
    const t = json(await s.run(['task', 'wait', createId, '--timeout', '5s', '--json']));
    expect(t).toMatchObject({ id: createId, kind: 'CreatePackagingDisk', state: 'ActionRequired' });
  });

  test('bad input: exit 2, one line, state unchanged', async () => {
    await expectRefused(s, ['task', 'show', '999'], /No task with id "999"/);
    await expectRefused(s, ['task', 'wait', '999'], /No task with id "999"/);
    await expectRefused(s, ['task', 'resume', '999'], /No task with id "999"/);
    await expectRefused(s, ['task', 'cancel', '999'], /No task with id "999"/);
    await expectRefused(s, ['task', 'wait', createId, '--timeout', 'forever'], /--timeout "forever" is not a duration/);
    await expectRefused(s, ['task', 'resume', createId], new RegExp(`Task ${createId} is waiting for the operator \\(ActionRequired\\), not interrupted`));
    await expectRefused(s, ['task', 'cancel', createId], new RegExp(`Task ${createId} finished its work and waits for the operator`));
    await expectRefused(s, ['task', 'show'], /missing required argument 'id'/i);
    await expectRefused(s, ['task', 'frobnicate'], /Unknown command 'frobnicate'/);
  });
});

/** Starts finalize without --wait and SIGKILLs its worker in the middle of the import. */
async function startAndKillFinalize(layer: string): Promise<string> {
  const started = json(await s.run(['finalize', layer, '--settle', '1s', '--json']));
  const id: string = started.task.id;
  const heartbeat = path.join(s.home, 'workers', `task-${id}.json`);
  const pid = await waitFor('the worker heartbeat', async () => JSON.parse(await fs.readFile(heartbeat, 'utf8').catch(() => 'null'))?.pid as number | undefined);
  await waitFor('a partial copy in the repository', async () => (await findFiles(path.join(s.home, 'repository'), /\.partial$/)).length > 0);
  process.kill(pid, 'SIGKILL');
  await waitFor('the worker to die', async () => !pidAlive(pid), 10_000);
  const t = (await readState(s.home)).tasks.find((x: { id: string }) => x.id === id);
  expect(t.state).toBe('Running'); // killed mid-step: nobody recorded an end
  return id;
}

describe('a task whose worker was killed is finished by the next waiter', () => {
  test('task wait resumes it: Complete, Deployable, no partial file', async () => {
    await makeReadyToFinalize((await diskStatus(s, 'app')).disk.location);
    const id = await startAndKillFinalize('app');
    const r = await s.run(['task', 'wait', id, '--json']);
    expectOk(r);
    expect(JSON.parse(r.stdout)).toMatchObject({ id, kind: 'Finalize', state: 'Complete' });
    expect(r.stderr).toBe(''); // --json without a terminal: no progress noise
    const state = await readState(s.home);
    expect(state.layers[0].versions[0].state).toBe('Deployable');
    expect(state.tasks.find((t: { id: string }) => t.id === createId).state).toBe('Complete');
    expect(await findFiles(s.dir, /partial|\.tmp$/)).toEqual([]);
  });

  test('finalize --wait picks up the killed finalize instead of starting another', async () => {
    const added = json(await s.run(['layer', 'version', 'add', 'app', '--version', '2', '--wait', '--json']));
    await makeReadyToFinalize((await diskStatus(s, 'app')).disk.location);
    const id = await startAndKillFinalize('app');
    const r = await s.run(['finalize', 'app', '--wait', '--settle', '1s', '--json']);
    expectOk(r);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ task: { id, state: 'Complete' }, version: { name: '2', state: 'Deployable' } });
    const state = await readState(s.home);
    expect(state.tasks.filter((t: { kind: string; version: string }) => t.kind === 'Finalize' && t.version === '2')).toHaveLength(1);
    expect(state.tasks.find((t: { id: string }) => t.id === added.task.id).state).toBe('Complete');
    expect(await findFiles(s.dir, /partial|\.tmp$/)).toEqual([]);
  });

  test('list hides ended tasks; --all shows them', async () => {
    expect(json(await s.run(['task', 'list', '--json']))).toEqual([]);
    const none = await s.run(['task', 'list']);
    expectOk(none);
    expect(none.stderr).toMatch(/No tasks in progress/);
    const all = json(await s.run(['task', 'list', '--all', '--json']));
    expect(all.map((t: { kind: string; state: string }) => `${t.kind}:${t.state}`)).toEqual([
      'CreatePackagingDisk:Complete',
      'Finalize:Complete',
      'CreatePackagingDisk:Complete',
      'Finalize:Complete',
    ]);
    for (const t of all) expect(Object.keys(t)).toEqual(expect.arrayContaining(['id', 'kind', 'state', 'description']));
  });

  test('resume or cancel of a Complete task: exit 2', async () => {
    await expectRefused(s, ['task', 'resume', createId], new RegExp(`Task ${createId} is Complete; there is nothing to resume`));
    await expectRefused(s, ['task', 'cancel', createId], new RegExp(`Task ${createId} already ended \\(Complete\\)`));
    const r = await s.run(['task', 'wait', createId]);
    expectCode(r, 0);
  });
});
