/** elm task logs [-f], task list --layer/--state, and a task whose worker died marked in task list. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { baseSetup, createLayer, expectOk, expectRefused, json, readState, scratch, waitFor, type Scratch } from '../support/e2e';

jest.setTimeout(120_000);

let s: Scratch;
let appTask: string;
beforeAll(async () => {
  s = await scratch();
  await baseSetup(s);
  appTask = (await createLayer(s, 'app')).task.id;
  await createLayer(s, 'other');
});
afterAll(() => s.cleanup());

describe('task logs', () => {
  test("prints the task's log on stdout; -f on a task waiting for the operator returns at once", async () => {
    const r = await s.run(['task', 'logs', appTask]);
    expectOk(r);
    expect(r.stdout).toMatch(new RegExp(`running task ${appTask}`));
    const f = await s.run(['task', 'logs', appTask, '-f'], { timeoutMs: 20_000 });
    expectOk(f);
    expect(f.stdout).toBe(r.stdout);
    expect(f.stderr).toMatch(new RegExp(`Task ${appTask}: ActionRequired`));
    const doc = json(await s.run(['task', 'logs', appTask, '--json']));
    expect(doc).toMatchObject({ id: appTask, log: path.join(s.home, 'logs', `task-${appTask}.log`) });
    expect(doc.lines.length).toBeGreaterThan(0);
  });

  test('-f follows a task running in a detached worker until its work is over', async () => {
    const started = json(await s.run(['layer', 'create', '--name', 'bg', '--version', '1', '--os-layer', 'win', '--connector', 'share', '--hypervisor', 'xenserver', '--json']));
    const f = await s.run(['task', 'logs', started.task.id, '--follow'], { timeoutMs: 60_000 });
    expectOk(f);
    expect(f.stderr).toMatch(new RegExp(`Task ${started.task.id}: ActionRequired`));
    expect(f.stdout.length).toBeGreaterThan(0);
  });

  test('unknown task: exit 2', () => expectRefused(s, ['task', 'logs', '999'], /No task with id "999"/));
});

describe('task list filters', () => {
  test('--layer and --state (any case) filter; ended tasks count under --state', async () => {
    const byLayer = json(await s.run(['task', 'list', '--layer', 'app', '--json']));
    expect(byLayer.map((t: { id: string }) => t.id)).toEqual([appTask]);
    const waiting = json(await s.run(['task', 'list', '--state', 'actionrequired', '--json']));
    expect(waiting.length).toBe(3);
    expect(json(await s.run(['task', 'list', '--state', 'Failed', '--json']))).toEqual([]);
    const none = await s.run(['task', 'list', '--state', 'Complete', '--layer', 'app']);
    expectOk(none);
    expect(none.stderr).toMatch(/No task matches/);
  });

  test('bad --state or --layer: exit 2, one line', async () => {
    await expectRefused(s, ['task', 'list', '--state', 'Sleeping'], /--state "Sleeping" is not a task state; use one of Pending, Running/);
    await expectRefused(s, ['task', 'list', '--layer', 'nope'], /No layer named "nope"/);
  });
});

describe('a task whose worker died', () => {
  test('task list marks it with the command that resumes it', async () => {
    const file = path.join(s.home, 'state.json');
    const state = await readState(s.home);
    const t = state.tasks.find((x: { id: string }) => x.id === appTask);
    // What a worker killed mid-write leaves: Running, no live heartbeat.
    t.state = 'Running';
    await fs.writeFile(file, JSON.stringify(state, null, 2));
    const table = await s.run(['task', 'list']);
    expectOk(table);
    expect(table.stdout).toMatch(new RegExp(`${appTask}\\s+CreatePackagingDisk\\s+Running, worker died: elm task resume ${appTask}`));
    const other = table.stdout.split('\n').filter((l) => !l.startsWith(appTask) && /CreatePackagingDisk/.test(l));
    for (const l of other) expect(l).not.toMatch(/worker died/);
    const doc = json(await s.run(['task', 'list', '--json']));
    expect(doc.find((x: { id: string }) => x.id === appTask)).toMatchObject({ workerDied: true, resume: `elm task resume ${appTask}` });
    expect(doc.filter((x: { workerDied: boolean }) => x.workerDied).length).toBe(1);
    // task resume really gets it going: back to ActionRequired, no longer marked.
    expectOk(await s.run(['task', 'resume', appTask]));
    await waitFor('the resumed task', async () => (await readState(s.home)).tasks.find((x: { id: string }) => x.id === appTask).state === 'ActionRequired');
    expect((await s.run(['task', 'list'])).stdout).not.toMatch(/worker died/);
  });
});
