/**
 * layer publish to a file share and to a PVS store, through the real binary: image files that
 * qemu-img finds identical in content to the layer disk, a checksum sha256sum accepts, a killed
 * publish resumed without a second image, a cancelled one leaving nothing it made, and refusals
 * that change nothing.
 */
import { spawnSync } from 'node:child_process';
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
  json,
  makeReadyToFinalize,
  pidAlive,
  readState,
  scratch,
  waitFor,
  withQemu,
  type Scratch,
} from '../support/e2e';

jest.setTimeout(180_000);

let s: Scratch;
let layerDisk: string;
beforeAll(async () => {
  s = await scratch();
  await baseSetup(s);
  layerDisk = await deployable('vda');
});
afterAll(() => s.cleanup());

/** A layer finalized on the share: its disk in the repository. */
async function deployable(name: string): Promise<string> {
  await createLayer(s, name);
  await makeReadyToFinalize((await diskStatus(s, name)).disk.location);
  return json(await s.run(['finalize', name, '--wait', '--settle', '1s', '--json'])).artifact.location as string;
}

async function outDir(name: string): Promise<string> {
  const dir = path.join(s.dir, name);
  await fs.mkdir(dir, { recursive: true });
  return dir;
}

function qemu(args: string[]): { code: number | null; out: string } {
  const r = spawnSync('qemu-img', args, { encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** A qemu-img that converts, then hangs (its pid in `pids`): a publish caught mid-step. */
async function hangingQemuImg(dir: string): Promise<{ bin: string; pids: string }> {
  const bin = path.join(dir, 'qemu-img-hangs');
  const pids = path.join(dir, 'qemu-pids');
  await fs.writeFile(bin, `#!/bin/sh\necho $$ >> '${pids}'\nif [ "$1" = convert ]; then qemu-img "$@" || exit $?; exec sleep 300; fi\nexec qemu-img "$@"\n`, { mode: 0o755 });
  return { bin, pids };
}

async function killAll(pidsFile: string): Promise<void> {
  const pids = (await fs.readFile(pidsFile, 'utf8').catch(() => '')).split('\n').filter(Boolean).map(Number);
  for (const pid of pids) if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
}

withQemu('publish to a share writes a VHDX identical in content to the layer disk, with a checksum beside it, recorded on the version', async () => {
  const out = await outDir('images');
  const r = json(await s.run(['layer', 'publish', 'vda', '--to', 'share', '--out', out, '--comment', 'for the farm', '--wait', '--json']));
  const image = path.join(out, 'vda-1.vhdx');
  expect(r.task).toMatchObject({ state: 'Complete' });
  expect(r.image).toMatchObject({ kind: 'file', location: image });
  expect(typeof r.image.id).toBe('string');

  expect(qemu(['info', '--output=json', image]).out).toMatch(/"format": "vhdx"/);
  expect(qemu(['check', '-f', 'vhdx', image]).code).toBe(0);
  const same = qemu(['compare', '-f', 'vpc', '-F', 'vhdx', layerDisk, image]);
  expect(same).toMatchObject({ code: 0 });
  expect(same.out).toMatch(/Images are identical/);
  const sum = spawnSync('sha256sum', ['-c', 'vda-1.vhdx.sha256'], { cwd: out, encoding: 'utf8' });
  expect(sum.status).toBe(0);

  const show = json(await s.run(['layer', 'show', 'vda', '--json']));
  expect(show.versions[0].images).toEqual([expect.objectContaining({ kind: 'file', id: r.image.id, location: image, connector: 'share', taskId: r.task.id })]);
  expect(show.audit).toContainEqual(expect.objectContaining({ action: 'Publish', version: '1', comment: expect.stringContaining('for the farm') }));
  const text = await s.run(['layer', 'show', 'vda']);
  expectOk(text);
  expect(text.stdout).toMatch(/Published Images/);
  expect(text.stdout).toContain(image);
  // Nothing but the image and its checksum: no partial file left.
  expect((await fs.readdir(out)).sort()).toEqual(['vda-1.vhdx', 'vda-1.vhdx.sha256']);
});

withQemu('each --format gives that format, the same content', async () => {
  const out = await outDir('formats');
  for (const format of ['vmdk', 'qcow2', 'vhd']) {
    const r = json(await s.run(['layer', 'publish', 'vda', '--to', 'share', '--out', out, '--format', format, '--wait', '--json']));
    const image = r.image.location as string;
    expect(image).toBe(path.join(out, `vda-1.${format}`));
    const qfmt = format === 'vhd' ? 'vpc' : format;
    expect(qemu(['compare', '-f', 'vpc', '-F', qfmt, layerDisk, image]).code).toBe(0);
  }
});

test('a file already there is never replaced: exit 2, the file and the state unchanged', async () => {
  const out = await outDir('taken');
  const theirs = path.join(out, 'vda-1.vhdx');
  await fs.writeFile(theirs, 'someone else');
  await expectRefused(s, ['layer', 'publish', 'vda', '--to', 'share', '--out', out], /vda-1\.vhdx exists.*never replaces/);
  expect(await fs.readFile(theirs, 'utf8')).toBe('someone else');
});

test('bad input is refused with one line and exit 2 (exit 3 for a version not Deployable), the state untouched', async () => {
  await createLayer(s, 'open');
  const out = await outDir('refused');
  await expectRefused(s, ['layer', 'publish', 'open', '--to', 'share', '--out', out], /no Deployable version/, { code: 3 });
  await expectRefused(s, ['layer', 'publish', 'open', '--version', '1', '--to', 'share', '--out', out], /"open" 1 is Editing, not Deployable/, { code: 3 });
  await expectRefused(s, ['layer', 'publish', 'vda', '--to', 'share', '--out', out, '--format', 'raw'], /--format "raw".*vhdx, vhd, vmdk, qcow2/);
  await expectRefused(s, ['layer', 'publish', 'vda', '--to', 'share', '--out', out, '--gallery', 'g'], /--gallery does not apply here/);
  await expectRefused(s, ['layer', 'publish', 'vda', '--to', 'nosuch', '--out', out], /nosuch/);
  await expectRefused(s, ['layer', 'publish', 'vda', '--to', 'share', '--out', path.join(s.dir, 'missing')], /does not exist/);
  await expectRefused(s, ['layer', 'publish', 'vda', '--to', 'share', '--out', path.join(s.home, 'repository')], /inside the layer repository/);
  await expectRefused(s, ['layer', 'publish', 'vda', '--to', 'share', '--out', out, '--name', '///'], /no usable file name/);
});

withQemu('a publish killed mid-conversion is finished by task resume: one image, no partial file', async () => {
  const out = await outDir('killed');
  const hang = await hangingQemuImg(s.dir);
  const started = json(await s.run(['layer', 'publish', 'vda', '--to', 'share', '--out', out, '--json'], { env: { ELM_QEMU_IMG: hang.bin } }));
  const id: string = started.task.id;
  const heartbeat = path.join(s.home, 'workers', `task-${id}.json`);
  const worker = await waitFor('the worker converting', async () => {
    const rec = await fs.readFile(heartbeat, 'utf8').catch(() => null);
    const partial = (await findFiles(out, /\.partial$/)).length > 0;
    return rec && partial ? (JSON.parse(rec) as { pid: number }) : null;
  }, 60_000);
  process.kill(worker.pid, 'SIGKILL');
  await killAll(hang.pids);
  await waitFor('the worker to die', async () => !pidAlive(worker.pid));
  expect(json(await s.run(['task', 'show', id, '--json'])).state).toBe('Running');

  const done = json(await s.run(['task', 'resume', id, '--json']));
  expect(done).toMatchObject({ state: 'Complete' });
  expect((await fs.readdir(out)).sort()).toEqual(['vda-1.vhdx', 'vda-1.vhdx.sha256']);
  expect(qemu(['compare', '-f', 'vpc', '-F', 'vhdx', layerDisk, path.join(out, 'vda-1.vhdx')]).code).toBe(0);
  const images = (await readState(s.home)).layers.find((l: { name: string }) => l.name === 'vda').versions[0].images;
  expect(images.filter((i: { location: string }) => i.location === path.join(out, 'vda-1.vhdx'))).toHaveLength(1);
});

withQemu('task cancel of a publish removes what it made and nothing else; the version stays Deployable', async () => {
  const out = await outDir('cancelled');
  const neighbour = path.join(out, 'keep-me.vhdx');
  await fs.writeFile(neighbour, 'not elm');
  const hang = await hangingQemuImg(await outDir('cancel-tools'));
  const id: string = json(await s.run(['layer', 'publish', 'vda', '--to', 'share', '--out', out, '--json'], { env: { ELM_QEMU_IMG: hang.bin } })).task.id;
  await waitFor('a partial image', async () => (await findFiles(out, /\.partial$/)).length > 0, 60_000);
  const cancel = await s.run(['task', 'cancel', id]);
  expectOk(cancel);
  const ended = await waitFor('the task to end', async () => {
    const t = json(await s.run(['task', 'show', id, '--json']));
    return t.state === 'Canceled' ? t : null;
  }, 60_000);
  await killAll(hang.pids);
  expect(ended.description).toMatch(/Canceled/);
  expect(await fs.readdir(out)).toEqual(['keep-me.vhdx']);
  const v = (await readState(s.home)).layers.find((l: { name: string }) => l.name === 'vda').versions[0];
  expect(v.state).toBe('Deployable');
  expect((v.images ?? []).some((i: { location: string }) => i.location.startsWith(out))).toBe(false);
});

withQemu('publish to a PVS connector writes a VHDX vDisk into the store folder and prints what registering it takes', async () => {
  const store = await outDir('pvs-store');
  expectOk(await s.run(['connector', 'add', 'pvs', '--name', 'farm', '--console', 'pvs01.corp.example', '--user', 'CORP\\svc', '--site', 'Site1', '--store', 'Store1', '--store-path', store, '--license-mode', 'kms']));
  const r = json(await s.run(['layer', 'publish', 'vda', '--to', 'farm', '--wait', '--json']));
  const vdisk = path.join(store, 'vda-1.vhdx');
  expect(r.image).toMatchObject({ kind: 'pvsVdisk', location: vdisk });
  expect(r.registration).toMatchObject({ store: 'Store1', site: 'Site1', vdiskName: 'vda-1' });
  expect(r.registration.powershell).toMatch(/New-PvsDiskLocator -Name 'vda-1' -StoreName 'Store1' -SiteName 'Site1' -VHDX/);
  expect(r.registration.powershell).toMatch(/Set-PvsDisk .* -LicenseMode 2/);
  expect(qemu(['check', '-f', 'vhdx', vdisk]).code).toBe(0);
  expect(qemu(['compare', '-f', 'vpc', '-F', 'vhdx', layerDisk, vdisk]).code).toBe(0);

  const text = await s.run(['layer', 'publish', 'vda', '--to', 'farm', '--name', 'vda-again', '--wait']);
  expectOk(text);
  expect(text.stdout).toMatch(/^Add-PSSnapin Citrix\.PVS\.SnapIn$/m);
  expect(text.stderr).toMatch(/store "Store1" of site "Site1"/);

  await expectRefused(s, ['layer', 'publish', 'vda', '--to', 'farm', '--out', store], /--out does not apply here/);
  expectOk(await s.run(['connector', 'add', 'pvs', '--name', 'nostore', '--console', 'pvs01.corp.example', '--user', 'u', '--site', 'S', '--store', 'T']));
  await expectRefused(s, ['layer', 'publish', 'vda', '--to', 'nostore'], /no store folder.*--store-path/);
});

withQemu('removing a published layer says which published images stay, and leaves them', async () => {
  await deployable('gone');
  const out = await outDir('stays');
  const r = json(await s.run(['layer', 'publish', 'gone', '--to', 'share', '--out', out, '--wait', '--json']));
  const removed = await s.run(['layer', 'remove', 'gone', '--yes']);
  expectCode(removed, 0);
  expect(removed.stderr).toContain(`the published image ${r.image.location}`);
  await fs.access(r.image.location);
});
