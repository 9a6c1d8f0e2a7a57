/**
 * Issue 12 point 11: `task cancel` undoes a task's partial step, so it is confirmed like the
 * remove commands on a terminal: a question (default no) that --yes skips; without a terminal
 * the contract's `elm task cancel ID` cancels as asked.
 */
import path from 'node:path';
import { baseSetup, expectOk, findFiles, GiB, json, readState, scratch, stateBytes, type Scratch } from '../support/e2e';
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

test('without a terminal `elm task cancel ID` (the contract, no --yes) cancels without asking; --yes does the same', async () => {
  const id = await interruptedFinalize('scripted');
  expect(await findFiles(path.join(s.home, 'repository'), /\.partial$/)).not.toEqual([]);
  const r = await s.run(['task', 'cancel', id, '--json']);
  expectOk(r);
  expect(r.stderr).not.toMatch(/Cancel task/); // nothing asked
  expect(json(r)).toMatchObject({ id, kind: 'Finalize', state: 'Canceled' });
  expect(await findFiles(path.join(s.home, 'repository'), /\.partial$/)).toEqual([]);

  const other = await interruptedFinalize('scripted-yes');
  const y = await s.run(['task', 'cancel', other, '--yes', '--json']);
  expectOk(y);
  expect(json(y)).toMatchObject({ id: other, state: 'Canceled' });
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
  expect(r.stdout).toMatch(/--yes\s+cancel without asking on a terminal \(without one, elm never asks\)/);
  expect(r.stdout).toContain('elm task cancel 12 --yes');
});
