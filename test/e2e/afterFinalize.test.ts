/**
 * After finalize, layer show and disk status point at the layer's disk in the repository (the
 * packaging disk on the share is deleted); next-step hints name --version when the layer has
 * several open versions, so following them acts on the version meant.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { baseSetup, createLayer, diskStatus, expectOk, json, makeReadyToFinalize, scratch, type Scratch } from '../support/e2e';

jest.setTimeout(120_000);

let s: Scratch;
beforeAll(async () => {
  s = await scratch();
  await baseSetup(s);
});
afterAll(() => s.cleanup());

test('layer show and disk status show the repository disk after finalize, never the deleted share path', async () => {
  await createLayer(s, 'app');
  const shareDisk = (await diskStatus(s, 'app')).disk.location as string;
  await makeReadyToFinalize(shareDisk);
  const done = json(await s.run(['finalize', 'app', '--wait', '--settle', '1s', '--json']));
  const repoDisk = done.artifact.location as string;
  expect(repoDisk.startsWith(path.join(s.home, 'repository'))).toBe(true);
  await expect(fs.stat(shareDisk)).rejects.toThrow();

  const st = json(await s.run(['disk', 'status', 'app', '--version', '1', '--json']));
  expect(st.disk).toMatchObject({ kind: 'layer', location: repoDisk });
  expect(st.task).toMatchObject({ kind: 'Finalize', state: 'Complete' });
  const text = await s.run(['disk', 'status', 'app', '--version', '1']);
  expectOk(text);
  expect(text.stdout).toContain(`Layer disk (in the layer repository): ${repoDisk}`);
  expect(text.stdout).not.toContain(shareDisk);

  const show = await s.run(['layer', 'show', 'app']);
  expectOk(show);
  expect(show.stdout).toContain(`${repoDisk} (layer disk)`);
  expect(show.stdout).not.toContain(shareDisk);
  const doc = json(await s.run(['layer', 'show', 'app', '--json']));
  expect(doc.versions[0].disk).toMatchObject({ kind: 'layer', location: repoDisk });
});

test('next-step hints name --version when the layer has several open versions, and only then', async () => {
  const one = await createLayer(s, 'multi');
  // One open version: the plain hint acts on it.
  expect(one.task.description).toMatch(/elm finalize multi --wait/);
  const two = json(await s.run(['layer', 'version', 'add', 'multi', '--version', '2', '--wait', '--json']));
  expect(two.task.description).toMatch(/elm finalize multi --version 2 --wait/);
  expect(two.task.description).toMatch(/elm machine deploy-link multi --version 2 shows how/);

  // The first version's hints, written before the second existed, now say --version 1 too.
  const st1 = json(await s.run(['disk', 'status', 'multi', '--version', '1', '--json']));
  expect(st1.task.description).toMatch(/elm finalize multi --version 1 --wait/);
  const task1 = await s.run(['task', 'show', one.task.id]);
  expectOk(task1);
  expect(task1.stdout).toMatch(/elm machine deploy-link multi --version 1 shows how/);
  const link = await s.run(['machine', 'deploy-link', 'multi', '--version', '1']);
  expectOk(link);
  expect(link.stdout).toMatch(/elm verify multi --version 1 then elm finalize multi --version 1 --wait/);
  const notReady = await s.run(['finalize', 'multi', '--version', '1']);
  expect(notReady.code).toBe(3);
  expect(notReady.stderr).toMatch(/then elm verify multi --version 1/);
});
