/**
 * Issue 12 point 10: `task show` marks a task whose worker died, as `task list` does, with the
 * command that gets it going again; a live worker is named; an ended task shows neither.
 */
import { baseSetup, createLayer, expectOk, GiB, json, scratch, type Scratch } from '../support/e2e';
import { interruptedFinalize } from '../support/interrupted';

jest.setTimeout(120_000);

let s: Scratch;
beforeAll(async () => {
  s = await scratch(2 * GiB);
  await baseSetup(s);
});
afterAll(() => s.cleanup());

test('a task whose worker died: marked with `elm task resume ID`, in text and --json, as task list says', async () => {
  const id = await interruptedFinalize(s, 'orphan');
  const doc = json(await s.run(['task', 'show', id, '--json']));
  expect(doc).toMatchObject({ id, kind: 'Finalize', state: 'Running', worker: null, workerDied: true, resume: `elm task resume ${id}` });
  const text = await s.run(['task', 'show', id]);
  expectOk(text);
  expect(text.stdout.split('\n')[1]).toBe(`Worker: died; nothing moves this task on until: elm task resume ${id}`);
  const list = json(await s.run(['task', 'list', '--json'])).find((t: { id: string }) => t.id === id);
  expect({ workerDied: list.workerDied, resume: list.resume }).toEqual({ workerDied: true, resume: doc.resume });

  // Resumed to its end: nothing to mark any more.
  expectOk(await s.run(['task', 'wait', id]));
  const done = json(await s.run(['task', 'show', id, '--json']));
  expect(done).toMatchObject({ state: 'Complete', worker: null, workerDied: false, resume: null });
  expect((await s.run(['task', 'show', id])).stdout).not.toMatch(/Worker:/);
});

test('a task waiting for the operator (ActionRequired) is not marked', async () => {
  const created = await createLayer(s, 'waiting');
  expect(json(await s.run(['task', 'show', created.task.id, '--json']))).toMatchObject({ state: 'ActionRequired', workerDied: false, resume: null });
});
