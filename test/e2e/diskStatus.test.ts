/** elm disk status: where the packaging disk is and what to do next, in every state of its task. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { baseSetup, createLayer, diskStatus, expectOk, expectRefused, json, MiB, scratch, type Scratch } from '../support/e2e';

let s: Scratch;
beforeAll(async () => {
  s = await scratch(16 * MiB);
  await baseSetup(s);
});
afterAll(() => s.cleanup());

test('no layer yet: exit 2 saying so, state unchanged', () => expectRefused(s, ['disk', 'status'], /No layer has a version in progress/));

test('the one layer in progress is taken when none is named; --json shape of the README (Conventions)', async () => {
  const created = await createLayer(s, 'only');
  const st = await diskStatus(s, 'only');
  const unnamed = json(await s.run(['disk', 'status', '--json']));
  expect(unnamed).toEqual(st);
  expect(st).toEqual({
    layer: { id: created.layer.id, name: 'only' },
    version: { name: '1', state: 'Editing' },
    task: { id: created.task.id, kind: 'CreatePackagingDisk', state: 'ActionRequired', description: created.task.description, progress: 100 },
    disk: { name: 'only', format: 'vhd', location: path.join(s.share, 'only.vhd'), sizeBytes: 16 * MiB + 512, kind: 'packaging' },
  });
  const text = await s.run(['disk', 'status']);
  expectOk(text);
  expect(text.stdout.split('\n')[0]).toBe('only 1: Editing');
  expect(text.stdout).toContain(created.task.description);
});

test('an OS disk gone at layer create: exit 2 naming it, nothing recorded (no task to resume)', async () => {
  const os2 = path.join(s.dir, 'os2.raw');
  await fs.copyFile(s.osDisk, os2);
  expectOk(await s.run(['os-layer', 'import', '--name', 'fragile', '--version', '1', '--disk', os2]));
  await fs.rename(os2, `${os2}.away`);
  const r = await expectRefused(s, ['layer', 'create', '--name', 'broken', '--version', '1', '--os-layer', 'fragile', '--connector', 'share', '--hypervisor', 'xenserver', '--wait', '--json'], /OS layer "fragile" 1.*cannot be read/);
  expect(r.stderr).toContain(os2);
  await fs.rename(`${os2}.away`, os2);
});

test('a task that failed: create exits 1, disk status exits 1 naming the error, resume finishes it once fixed', async () => {
  // A share that became a file after the connector was added: the write fails.
  const gone = path.join(s.dir, 'gone-share');
  await fs.mkdir(gone);
  expectOk(await s.run(['connector', 'add', 'fileshare', '--name', 'gone', '--path', gone]));
  await fs.rm(gone, { recursive: true });
  await fs.writeFile(gone, 'not a folder');

  const r = await s.run(['layer', 'create', '--name', 'broken', '--version', '1', '--os-layer', 'win', '--connector', 'gone', '--hypervisor', 'xenserver', '--wait', '--json']);
  expect(r.code).toBe(1);
  const doc = JSON.parse(r.stdout);
  expect(doc.task.state).toBe('Failed');

  const failed = await s.run(['disk', 'status', 'broken', '--json']);
  expect(failed.code).toBe(1);
  const st = JSON.parse(failed.stdout);
  expect(st.task.state).toBe('Failed');
  expect(st.disk.location).toBeNull();
  const text = await s.run(['disk', 'status', 'broken']);
  expect(text.code).toBe(1);
  expect(text.stderr).toMatch(new RegExp(`Task ${doc.task.id} failed: .*elm task resume ${doc.task.id}`));

  // The next commands say the disk is not ready (exit 3), naming the failed task.
  const dl = await s.run(['machine', 'deploy-link', 'broken']);
  expect(dl.code).toBe(3);
  expect(dl.stderr).toMatch(new RegExp(`task ${doc.task.id} is Failed`));

  await fs.rm(gone);
  await fs.mkdir(gone);
  const resumed = json(await s.run(['task', 'resume', doc.task.id, '--json']));
  expect(resumed).toMatchObject({ id: doc.task.id, state: 'ActionRequired' });
  const after = await diskStatus(s, 'broken');
  expect(after.disk.location).toBe(path.join(gone, 'broken.vhd'));
  expect((await fs.stat(after.disk.location)).size).toBe(16 * MiB + 512);
});
