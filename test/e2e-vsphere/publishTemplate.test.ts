/**
 * `layer publish --to VSPHERE_CONNECTOR`: a Deployable version becomes a powered-off template VM
 * in the connector's folder, booting from a copy of the layer disk on the datastore with the
 * firmware and guest OS the OS layer version recorded. A VM of the name is refused (exit 2)
 * unless --replace, and --replace deletes only a template elm's own publish recorded making.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { VCenterFake } from '../support/vcenter';
import { pidAlive, readState, waitFor } from '../support/e2e';
import { deployableLayer, expectCode, MiB, scratch, startFake, type Doc, type Env } from './helpers';

jest.setTimeout(180_000);

describe('publish to vSphere: a template VM', () => {
  let fake: VCenterFake;
  let s: Env;

  beforeAll(async () => {
    fake = await startFake();
    s = await scratch(fake, 8 * MiB);
    await deployableLayer(fake, s, 'pub');
  });
  afterAll(async () => {
    await fake?.stop();
    await s?.cleanup();
  });

  const recordedOs = async () => {
    const state = JSON.parse(readFileSync(path.join(s.home, 'state.json'), 'utf8'));
    return state.osLayers.find((o: Doc) => o.name === 'win').versions[0];
  };

  it('makes a powered-off template VM in the folder with the layer disk, the recorded firmware and guest OS', async () => {
    const show = await s.json(['layer', 'show', 'pub']);
    expect(show.versions[0].state).toBe('Deployable');
    const r = await s.json(['layer', 'publish', 'pub', '--to', 'vs', '--wait']);
    expect(r.task).toMatchObject({ kind: 'Publish', state: 'Complete' });
    expect(r.image).toMatchObject({ kind: 'vsphereTemplate', location: 'Packaging/pub-1', name: 'pub-1' });
    const vm = fake.vm('pub-1')!;
    const recorded = await recordedOs();
    expect(vm).toMatchObject({ id: r.image.id, powerState: 'POWERED_OFF', folder: 'Packaging', guestOS: 'WINDOWS_SERVER_2021', firmware: recorded.firmware ?? (recorded.generation === 'V2' ? 'EFI' : 'BIOS') });
    expect(vm.disks).toHaveLength(1);
    const disk = vm.disks[0].vmdkFile;
    expect(disk).toMatch(/^\[ds1\] elm-publish-[0-9a-f]{12}\.vmdk$/);
    // The template's disk holds the layer disk's bytes: the flat extent equals the repository's.
    const flat = fake.datastoreFiles().find((f) => f.dsPath === disk.replace(/\.vmdk$/, '-flat.vmdk'))!;
    const artifact = show.versions[0].artifact.location as string;
    const repoFlat = artifact.replace(/\.vmdk$/, '-flat.vmdk');
    expect(readFileSync(flat.localPath).equals(readFileSync(repoFlat))).toBe(true);
  });

  it('layer show lists the template with its VM id and where it is', async () => {
    const show = await s.json(['layer', 'show', 'pub']);
    expect(show.versions[0].images).toEqual([expect.objectContaining({ kind: 'vsphereTemplate', id: fake.vm('pub-1')!.id, location: 'Packaging/pub-1', connector: 'vs' })]);
    const text = await s.run(['layer', 'show', 'pub']);
    expectCode(text, 0);
    expect(text.stdout).toContain('Packaging/pub-1');
    expect(text.stdout).toContain(fake.vm('pub-1')!.id);
  });

  it('refuses (exit 2) a name that exists without --replace, and makes nothing', async () => {
    const before = fake.vms().length;
    const files = fake.datastoreFiles().length;
    const r = await s.run(['layer', 'publish', 'pub', '--to', 'vs', '--wait']);
    expectCode(r, 2);
    expect(r.stderr).toContain('A VM named "pub-1"');
    expect(r.stderr).toContain('--replace');
    expect(fake.vms()).toHaveLength(before);
    expect(fake.datastoreFiles()).toHaveLength(files);
  });

  it("--replace never deletes an operator's VM of that name (exit 2)", async () => {
    fake.inventory({ vms: [{ name: 'golden', folder: 'Packaging', powerState: 'POWERED_OFF' }] });
    const id = fake.vm('golden')!.id;
    const r = await s.run(['layer', 'publish', 'pub', '--to', 'vs', '--template-name', 'golden', '--replace', '--wait']);
    expectCode(r, 2);
    expect(r.stderr).toContain(`A VM named "golden" (${id}) exists in folder Packaging and elm did not publish it`);
    expect(fake.vm('golden')).toMatchObject({ id, powerState: 'POWERED_OFF' });
  });

  it('refuses (exit 2) a template name vSphere does not take, and flags of other targets', async () => {
    const bad = await s.run(['layer', 'publish', 'pub', '--to', 'vs', '--template-name', 'a/b']);
    expectCode(bad, 2);
    expect(bad.stderr).toContain('--template-name "a/b"');
    const fmt = await s.run(['layer', 'publish', 'pub', '--to', 'vs', '--format', 'vhdx']);
    expectCode(fmt, 2);
    expect(fmt.stderr).toContain('--format does not apply here');
    // --library makes a content library item (publishLibrary.test.ts); a library vCenter lacks is exit 2, nothing made.
    const vms = fake.vms().length;
    const lib = await s.run(['layer', 'publish', 'pub', '--to', 'vs', '--library', 'elm-templates']);
    expectCode(lib, 2);
    expect(lib.stderr).toContain('Content library "elm-templates" does not exist');
    expect(fake.vms()).toHaveLength(vms);
  });

  it('--replace deletes the template elm published (by its recorded id) and makes a new one', async () => {
    const old = fake.vm('pub-1')!;
    const oldDisk = old.disks[0].vmdkFile;
    const r = await s.json(['layer', 'publish', 'pub', '--to', 'vs', '--replace', '--wait']);
    expect(r.task.state).toBe('Complete');
    const now = fake.vm('pub-1')!;
    expect(now.id).not.toBe(old.id);
    expect(fake.vms().some((v) => v.id === old.id)).toBe(false);
    expect(fake.datastoreFiles().some((f) => f.dsPath === oldDisk)).toBe(false);
    const show = await s.json(['layer', 'show', 'pub']);
    expect(show.versions[0].images.map((i: Doc) => i.id)).toEqual([now.id]);
  });

  it('a publish that fails at the template step deletes the disk it uploaded, and nothing else', async () => {
    const before = fake.datastoreFiles().map((f) => f.dsPath).sort();
    const vms = fake.vms().map((v) => v.id).sort();
    fake.fail({ method: 'POST', path: '/api/vcenter/vm', status: 500, times: Infinity });
    const r = await s.json(['layer', 'publish', 'pub', '--to', 'vs', '--template-name', 'pub-failed', '--wait'], 1);
    fake.clearFaults();
    expect(r.task.state).toBe('Failed');
    expect(fake.datastoreFiles().map((f) => f.dsPath).sort()).toEqual(before);
    expect(fake.vms().map((v) => v.id).sort()).toEqual(vms);
  });

  /** A publish started in a worker, killed (SIGKILL) once vCenter made the template VM but before its answer came back. */
  async function killedAfterCreate(name: string): Promise<string> {
    fake.holdAnswer({ method: 'POST', path: /^\/api\/vcenter\/vm$/ });
    const started = await s.json(['layer', 'publish', 'pub', '--to', 'vs', '--template-name', name]);
    const id: string = started.task.id;
    await waitFor('vCenter to make the template VM', async () => fake.vm(name));
    const pid: number = await waitFor('the worker', async () => (await readState(s.home)).tasks.find((t: Doc) => t.id === id).worker?.pid);
    process.kill(pid, 'SIGKILL');
    await waitFor('the worker to die', async () => !pidAlive(pid), 10_000);
    fake.releaseAnswers();
    fake.clearFaults();
    expect((await readState(s.home)).tasks.find((t: Doc) => t.id === id).state).toBe('Running');
    return id;
  }

  it('a publish killed after vCenter made the VM resumes without a second template', async () => {
    const id = await killedAfterCreate('pub-killed');
    const made = fake.vm('pub-killed')!.id;
    const resumed = await s.json(['task', 'resume', id]);
    expect(resumed.state).toBe('Complete');
    expect(fake.vms().filter((v) => v.name === 'pub-killed').map((v) => v.id)).toEqual([made]);
    const images = (await s.json(['layer', 'show', 'pub'])).versions[0].images;
    expect(images.filter((i: Doc) => i.location === 'Packaging/pub-killed').map((i: Doc) => i.id)).toEqual([made]);
  });

  it("task cancel deletes the template and disk the publish made, even one whose id it never heard", async () => {
    const before = fake.datastoreFiles().map((f) => f.dsPath).sort();
    const vms = fake.vms().map((v) => v.id).sort();
    const id = await killedAfterCreate('pub-canceled');
    const r = await s.json(['task', 'cancel', id, '--yes']);
    expect(r.state ?? r.task?.state).toBe('Canceled');
    expect(fake.vm('pub-canceled')).toBeUndefined();
    expect(fake.vms().map((v) => v.id).sort()).toEqual(vms);
    expect(fake.datastoreFiles().map((f) => f.dsPath).sort()).toEqual(before);
    const images = (await s.json(['layer', 'show', 'pub'])).versions[0].images;
    expect(images.some((i: Doc) => i.location === 'Packaging/pub-canceled')).toBe(false);
  });
});
