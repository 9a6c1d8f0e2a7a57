/**
 * Issue 12 point 11: `task cancel` undoes a task's partial step, so it is confirmed like the
 * remove commands: a question on a terminal (default no), --yes for scripts, and without a
 * terminal and without --yes nothing is cancelled (exit 2, the state untouched).
 */
import path from 'node:path';
import { baseSetup, expectOk, expectRefused, findFiles, GiB, json, readState, scratch, stateBytes, type Scratch } from '../support/e2e';
import { interruptedFinalize as interrupted } from '../support/interrupted';
import { PtySession } from '../support/pty';

jest.setTimeout(120_000);

let s: Scratch;
beforeAll(async () => {
  s = await scratch(2 * GiB);
  await baseSetup(s);
});
afterAll(() => s.cleanup());

const interruptedFinalize = (layer: string) => interrupted(s, layer);
const taskState = async (id: string) => (await readState(s.home)).tasks.find((t: { id: string }) => t.id === id).state as string;

test('without a terminal and without --yes: nothing cancelled, exit 2 naming --yes; with --yes: Canceled', async () => {
  const id = await interruptedFinalize('scripted');
  await expectRefused(s, ['task', 'cancel', id], new RegExp(`Not cancelling task ${id} \\(Finalize\\) without confirmation: pass --yes`));
  await expectRefused(s, ['task', 'cancel', id, '--json'], /pass --yes/); // --json never prompts either
  expect(await findFiles(path.join(s.home, 'repository'), /\.partial$/)).not.toEqual([]);

  const r = await s.run(['task', 'cancel', id, '--yes', '--json']);
  expectOk(r);
  expect(json(r)).toMatchObject({ id, kind: 'Finalize', state: 'Canceled' });
  expect(await findFiles(path.join(s.home, 'repository'), /\.partial$/)).toEqual([]);
});

test('on a terminal it asks (default no): Enter cancels nothing (exit 130); "y" cancels', async () => {
  const id = await interruptedFinalize('asked');
  const before = await stateBytes(s.home);
  const no = new PtySession(['task', 'cancel', id], { ELM_HOME: s.home });
  try {
    const screen = await no.waitFor(new RegExp(`Cancel task ${id} \\(Finalize\\)\\?[\\s\\S]*Its\\s+partial\\s+step\\s+is\\s+undone\\.\\s+\\(y/N\\)`), 60_000);
    expect(screen).toMatch(/asked/); // the task's description says what it works on
    await no.answer(''); // Enter takes the default: no
    expect((await no.exit).exitCode).toBe(130);
    expect(no.output).toMatch(/Nothing cancelled: task \d+ \(Finalize\) goes on/);
  } finally {
    no.kill();
  }
  expect((await stateBytes(s.home))?.equals(before!)).toBe(true);

  const yes = new PtySession(['task', 'cancel', id], { ELM_HOME: s.home });
  try {
    await yes.waitFor(new RegExp(`Cancel task ${id}`), 60_000);
    await yes.answer('y');
    expect((await yes.exit).exitCode).toBe(0);
    expect(yes.output).toMatch(new RegExp(`Task ${id}: Canceled`));
  } finally {
    yes.kill();
  }
  expect(await taskState(id)).toBe('Canceled');
  expect((await readState(s.home)).layers.find((l: { name: string }) => l.name === 'asked').versions[0].state).toBe('Editing'); // never verified: as before finalize
});

test('--help marks --yes; elm task cancel --help shows a --yes example', async () => {
  const r = await s.run(['task', 'cancel', '--help']);
  expect(r.stdout).toMatch(/--yes\s+cancel without asking \(needed without a terminal\)/);
  expect(r.stdout).toContain('elm task cancel 12 --yes');
});
