/**
 * The same flags mean the same everywhere: --wait/--no-wait/--timeout on every command that starts
 * a task, --yes on every destructive one, and a usage error naming EVERY missing required flag.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { baseSetup, createLayer, expectCode, expectOk, expectRefused, json, readState, scratch, type Scratch } from '../support/e2e';

jest.setTimeout(120_000);

let s: Scratch;
beforeAll(async () => {
  s = await scratch();
  await baseSetup(s);
});
afterAll(() => s.cleanup());

describe('usage errors name every missing required flag', () => {
  test('connector add azure with only --name: all five missing flags in one line', () =>
    expectRefused(s, ['connector', 'add', 'azure', '--name', 'az'], /required options not specified: --subscription, --tenant, --storage-account, --resource-group, --location/i));
  test('connector add vsphere with nothing', () =>
    expectRefused(s, ['connector', 'add', 'vsphere'], /--name, --server, --user, --datacenter, --datastore, --host, --network, --folder/));
  test('os-layer import with nothing', () => expectRefused(s, ['os-layer', 'import'], /--name, --version, --disk/));
  test('one missing flag is still named', () => expectRefused(s, ['os-layer', 'import', '--name', 'x', '--version', '1'], /--disk/));
});

describe('--wait, --no-wait and --timeout on every command that starts a task', () => {
  const starters = [['layer', 'create'], ['layer', 'version', 'add'], ['machine', 'deploy'], ['finalize'], ['task', 'resume']];
  test.each(starters.map((c) => [c.join(' '), c]))('%s --help lists them', async (_n, words) => {
    const r = await s.run([...(words as string[]), '--help']);
    expectOk(r);
    for (const flag of ['--wait', '--no-wait', '--timeout <duration>']) expect(r.stdout).toContain(flag);
  });

  test('--no-wait with --timeout is refused (exit 2, nothing recorded)', async () => {
    await expectRefused(s, ['layer', 'create', '--name', 'x', '--version', '1', '--os-layer', 'win', '--connector', 'share', '--hypervisor', 'xenserver', '--no-wait', '--timeout', '5m'], /--timeout limits a wait/);
    await expectRefused(s, ['layer', 'create', '--name', 'x', '--version', '1', '--os-layer', 'win', '--connector', 'share', '--hypervisor', 'xenserver', '--timeout', 'soon'], /--timeout "soon" is not a duration/);
  });

  test('layer create --timeout: exit 4 when the time is up, and the task goes on in the background', async () => {
    const r = await s.run(['layer', 'create', '--name', 'slow', '--version', '1', '--os-layer', 'win', '--connector', 'share', '--hypervisor', 'xenserver', '--timeout', '1ms', '--json']);
    expectCode(r, 4);
    const id = (await readState(s.home)).tasks.at(-1).id;
    const done = json(await s.run(['task', 'wait', id, '--json']));
    expect(done.state).toBe('ActionRequired');
  });

  test('task resume --no-wait hands the task to a background worker and returns', async () => {
    const created = await createLayer(s, 'resumed');
    const file = path.join(s.home, 'state.json');
    const state = await readState(s.home);
    state.tasks.find((t: { id: string }) => t.id === created.task.id).state = 'Running'; // a worker died
    await fs.writeFile(file, JSON.stringify(state, null, 2));
    const r = await s.run(['task', 'resume', created.task.id, '--no-wait']);
    expectOk(r);
    expect(r.stderr).toMatch(new RegExp(`in the background: elm task wait ${created.task.id}`));
    expect(json(await s.run(['task', 'wait', created.task.id, '--json'])).state).toBe('ActionRequired');
  });

  test('finalize --no-wait --timeout is refused', () => expectRefused(s, ['finalize', 'resumed', '--no-wait', '--timeout', '1m'], /--timeout limits a wait/));
});

describe('--yes on everything destructive', () => {
  const destructive = [['layer', 'remove'], ['layer', 'version', 'remove'], ['os-layer', 'remove'], ['os-layer', 'version', 'remove'], ['icon', 'remove'], ['connector', 'remove'], ['task', 'cancel'], ['state', 'unlock']];
  test.each(destructive.map((c) => [c.join(' '), c]))('%s --help lists --yes', async (_n, words) => {
    const r = await s.run([...(words as string[]), '--help']);
    expectOk(r);
    expect(r.stdout).toContain('--yes');
  });
});
