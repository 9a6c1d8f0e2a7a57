/**
 * `layer publish --to VSPHERE_CONNECTOR --library L`: a Deployable version becomes a VM template
 * item in content library L, copied by vCenter from the template VM elm makes (which then goes).
 * The library is found by name (exit 2 naming the ones there are, and for a subscribed library);
 * an item of the name is refused unless --replace, which deletes only elm's own earlier item.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { VCenterFake } from '../support/vcenter';
import { pidAlive, readState, waitFor } from '../support/e2e';
import { deployableLayer, expectCode, MiB, scratch, startFake, type Doc, type Env } from './helpers';

jest.setTimeout(180_000);

describe('publish to vSphere: a content library item', () => {
  let fake: VCenterFake;
  let s: Env;

  beforeAll(async () => {
    fake = await startFake();
    s = await scratch(fake, 8 * MiB);
    fake.addLibrary('elm-images');
    fake.addLibrary('from-hq', 'SUBSCRIBED');
    await deployableLayer(fake, s, 'pub');
  });
  afterAll(async () => {
    await fake?.stop();
    await s?.cleanup();
  });

  const items = (name: string) => fake.libraryItems().filter((i) => i.library === 'elm-images' && i.name === name);
  /** What is on vCenter besides library items: the VMs the REST API lists and the datastore's files outside the library's copies. */
  const snapshot = () => ({
    vms: fake.vms().filter((v) => v.template !== 'library').map((v) => v.id).sort(),
    items: fake.libraryItems().map((i) => i.id).sort(),
    files: fake.datastoreFiles().map((f) => f.dsPath).sort(),
  });

  it('makes a VM template item in the library holding the layer disk, and leaves no VM or uploaded disk behind', async () => {
    const before = snapshot();
    const r = await s.json(['layer', 'publish', 'pub', '--to', 'vs', '--library', 'elm-images', '--wait']);
    expect(r.task).toMatchObject({ kind: 'Publish', state: 'Complete' });
    const [item] = items('pub-1');
    expect(r.image).toEqual({ kind: 'vsphereLibraryItem', id: item.id, location: 'elm-images/pub-1', name: 'pub-1' });
    // The VM it was made from and the uploaded disk are gone: the library holds its own copy.
    const after = snapshot();
    expect(after.vms).toEqual(before.vms);
    expect(fake.datastoreFiles().some((f) => /elm-publish-/.test(f.dsPath))).toBe(false);
    // The copy holds the layer disk's bytes, with the recorded firmware and guest OS.
    const flat = fake.datastoreFiles().find((f) => f.dsPath === item.disks[0].replace(/\.vmdk$/, '-flat.vmdk'))!;
    const show = await s.json(['layer', 'show', 'pub']);
    const repoFlat = (show.versions[0].artifact.location as string).replace(/\.vmdk$/, '-flat.vmdk');
    expect(readFileSync(flat.localPath).equals(readFileSync(repoFlat))).toBe(true);
    const copy = fake.vms().find((v) => v.template === 'library' && v.name === 'pub-1')!;
    const os = JSON.parse(readFileSync(path.join(s.home, 'state.json'), 'utf8')).osLayers[0].versions[0];
    expect(copy).toMatchObject({ guestOS: 'WINDOWS_SERVER_2021', firmware: os.firmware ?? (os.generation === 'V2' ? 'EFI' : 'BIOS'), powerState: 'POWERED_OFF' });
  });

  it('layer show lists the item with its id and library/item', async () => {
    const id = items('pub-1')[0].id;
    const show = await s.json(['layer', 'show', 'pub']);
    expect(show.versions[0].images).toEqual([expect.objectContaining({ kind: 'vsphereLibraryItem', id, location: 'elm-images/pub-1', connector: 'vs' })]);
    const text = await s.run(['layer', 'show', 'pub']);
    expect(text.stdout).toContain('elm-images/pub-1');
    expect(text.stdout).toContain(id);
  });

  it('refuses (exit 2) a library that does not exist, naming the ones there are, and a subscribed one', async () => {
    const before = snapshot();
    const none = await s.run(['layer', 'publish', 'pub', '--to', 'vs', '--library', 'nope', '--wait']);
    expectCode(none, 2);
    expect(none.stderr).toContain('Content library "nope" does not exist');
    expect(none.stderr).toContain('"elm-images", "from-hq"');
    const sub = await s.run(['layer', 'publish', 'pub', '--to', 'vs', '--library', 'from-hq', '--wait']);
    expectCode(sub, 2);
    expect(sub.stderr).toContain('Content library "from-hq"');
    expect(sub.stderr).toContain('subscribed library');
    expect(snapshot()).toEqual(before);
  });

  it('refuses (exit 2) an item name that exists without --replace, and an operator\'s item even with it', async () => {
    const before = snapshot();
    const taken = await s.run(['layer', 'publish', 'pub', '--to', 'vs', '--library', 'elm-images', '--wait']);
    expectCode(taken, 2);
    expect(taken.stderr).toContain('An item named "pub-1"');
    expect(taken.stderr).toContain('--replace');
    fake.inventory({ templates: [{ name: 'golden', kind: 'library', library: 'elm-images' }] });
    const golden = items('golden')[0].id;
    const theirs = await s.run(['layer', 'publish', 'pub', '--to', 'vs', '--library', 'elm-images', '--template-name', 'golden', '--replace', '--wait']);
    expectCode(theirs, 2);
    expect(theirs.stderr).toContain(`An item named "golden" (${golden}) exists in content library elm-images and elm did not publish it`);
    expect(items('golden').map((i) => i.id)).toEqual([golden]);
    expect(snapshot().vms).toEqual(before.vms);
  });

  it('--replace deletes the item elm published (by its recorded id) and makes a new one', async () => {
    const old = items('pub-1')[0];
    const r = await s.json(['layer', 'publish', 'pub', '--to', 'vs', '--library', 'elm-images', '--replace', '--wait']);
    expect(r.task.state).toBe('Complete');
    const now = items('pub-1');
    expect(now).toHaveLength(1);
    expect(now[0].id).not.toBe(old.id);
    expect(fake.libraryItems().some((i) => i.id === old.id)).toBe(false);
    // The old copy's files went first: vCenter put the new one in the same folder (not pub-1_1/).
    expect(now[0].disks).toEqual(old.disks);
    const show = await s.json(['layer', 'show', 'pub']);
    expect(show.versions[0].images.map((i: Doc) => i.id)).toEqual([now[0].id]);
  });

  it('a publish that fails at the library step deletes the VM and disk it made, and nothing else', async () => {
    const before = snapshot();
    fake.fail({ method: 'POST', path: '/api/vcenter/vm-template/library-items', status: 500, times: Infinity });
    const r = await s.json(['layer', 'publish', 'pub', '--to', 'vs', '--library', 'elm-images', '--template-name', 'pub-failed', '--wait'], 1);
    fake.clearFaults();
    expect(r.task.state).toBe('Failed');
    expect(snapshot()).toEqual(before);
  });

  /** A publish started in a worker, killed (SIGKILL) once vCenter made the library item but before its answer came back. */
  async function killedAfterCreate(name: string): Promise<string> {
    fake.holdAnswer({ method: 'POST', path: /^\/api\/vcenter\/vm-template\/library-items$/ });
    const started = await s.json(['layer', 'publish', 'pub', '--to', 'vs', '--library', 'elm-images', '--template-name', name]);
    const id: string = started.task.id;
    await waitFor('vCenter to make the item', async () => items(name).length === 1);
    const pid: number = await waitFor('the worker', async () => (await readState(s.home)).tasks.find((t: Doc) => t.id === id).worker?.pid);
    process.kill(pid, 'SIGKILL');
    await waitFor('the worker to die', async () => !pidAlive(pid), 10_000);
    fake.releaseAnswers();
    fake.clearFaults();
    expect((await readState(s.home)).tasks.find((t: Doc) => t.id === id).state).toBe('Running');
    return id;
  }

  it('a publish killed after vCenter made the item resumes without a second item, and its VM goes', async () => {
    const vms = snapshot().vms;
    const id = await killedAfterCreate('pub-killed');
    const made = items('pub-killed')[0].id;
    const resumed = await s.json(['task', 'resume', id]);
    expect(resumed.state).toBe('Complete');
    expect(items('pub-killed').map((i) => i.id)).toEqual([made]);
    expect(snapshot().vms).toEqual(vms);
    const images = (await s.json(['layer', 'show', 'pub'])).versions[0].images;
    expect(images.filter((i: Doc) => i.location === 'elm-images/pub-killed').map((i: Doc) => i.id)).toEqual([made]);
  });

  it('task cancel deletes the item (whose id it never heard), the VM and the disk the publish made', async () => {
    const before = snapshot();
    const id = await killedAfterCreate('pub-canceled');
    const r = await s.json(['task', 'cancel', id, '--yes']);
    expect(r.state ?? r.task?.state).toBe('Canceled');
    expect(items('pub-canceled')).toEqual([]);
    expect(snapshot()).toEqual(before);
    const images = (await s.json(['layer', 'show', 'pub'])).versions[0].images;
    expect(images.some((i: Doc) => i.location === 'elm-images/pub-canceled')).toBe(false);
  });

  it('removing the layer says the item stays, and leaves it in the library', async () => {
    const kept = fake.libraryItems().map((i) => i.id).sort();
    const rm = await s.run(['layer', 'remove', 'pub', '--yes']);
    expectCode(rm, 0);
    expect(rm.stderr).toContain('the published image elm-images/pub-1');
    expect(fake.libraryItems().map((i) => i.id).sort()).toEqual(kept);
  });
});
