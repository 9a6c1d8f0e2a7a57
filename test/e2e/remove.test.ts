/**
 * The delete commands (layer remove, layer version remove, os-layer remove, os-layer version
 * remove, icon remove, connector remove) through the real binary: --yes for scripts, a question on
 * a terminal, refusals while a task works (exit 5) or something still uses the object (exit 3),
 * and what elm owns deleted from disk.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  baseSetup,
  createLayer,
  diskStatus,
  expectOk,
  expectRefused,
  json,
  makeReadyToFinalize,
  readState,
  scratch,
  stateBytes,
  tinyPng,
  type Scratch,
} from '../support/e2e';
import { PtySession } from '../support/pty';

jest.setTimeout(120_000);

const exists = (p: string) => fs.stat(p).then(() => true, () => false);

let s: Scratch;
beforeAll(async () => {
  s = await scratch();
  await baseSetup(s);
});
afterAll(() => s.cleanup());

describe('layer version remove', () => {
  test('deletes the packaging disk on the share, ends its waiting task, audits; the other version stays', async () => {
    await createLayer(s, 'two');
    const v2 = json(await s.run(['layer', 'version', 'add', 'two', '--version', '2', '--wait', '--json']));
    const disk2 = v2.packagingDisk.location as string;
    expect(await exists(disk2)).toBe(true);

    const r = await s.run(['layer', 'version', 'remove', 'two', '--version', '2', '--yes']);
    expectOk(r);
    expect(r.stderr).toMatch(/Removed version 2 of layer "two"/);
    expect(await exists(disk2)).toBe(false);
    const state = await readState(s.home);
    const layer = state.layers.find((l: { name: string }) => l.name === 'two');
    expect(layer.versions.map((v: { name: string }) => v.name)).toEqual(['1']);
    expect(layer.audit.at(-1)).toMatchObject({ action: 'RemoveVersion', version: '2' });
    expect(state.tasks.find((t: { id: string }) => t.id === v2.task.id)).toMatchObject({ state: 'Canceled' });
    expect(await exists((await diskStatus(s, 'two')).disk.location)).toBe(true);
  });

  test('the only version is refused (exit 2) pointing at layer remove', () =>
    expectRefused(s, ['layer', 'version', 'remove', 'two', '--version', '1', '--yes'], /only version; remove the layer instead: elm layer remove "two"/));

  test('--version is required', () => expectRefused(s, ['layer', 'version', 'remove', 'two', '--yes'], /--version/));

  test('a finalized version: its disk in the layer repository is deleted', async () => {
    await createLayer(s, 'fin');
    await makeReadyToFinalize((await diskStatus(s, 'fin')).disk.location);
    const done = json(await s.run(['finalize', 'fin', '--wait', '--settle', '1s', '--json']));
    const artifact = done.artifact.location as string;
    expect(await exists(artifact)).toBe(true);
    expectOk(await s.run(['layer', 'version', 'add', 'fin', '--version', '2', '--wait']));
    // The newest version is 2, so connector "share" is still needed; removing 1 is fine.
    const doc = json(await s.run(['layer', 'version', 'remove', 'fin', '--version', '1', '--yes', '--json']));
    expect(doc.removed).toMatchObject({ layer: { name: 'fin' }, version: '1' });
    expect(await exists(artifact)).toBe(false);
    expect(await exists(path.dirname(artifact))).toBe(false);
  });

  test('a finalized version whose name is not a plain path segment ("1 beta"): its repository folder goes too', async () => {
    expectOk(await s.run(['layer', 'create', '--name', 'spaced', '--version', '1 beta', '--os-layer', 'win', '--connector', 'share', '--hypervisor', 'xenserver', '--wait']));
    await makeReadyToFinalize((await diskStatus(s, 'spaced')).disk.location);
    const done = json(await s.run(['finalize', 'spaced', '--wait', '--settle', '1s', '--json']));
    const artifact = done.artifact.location as string;
    // The version's own folder, recorded on it (named by a token, whatever the version's name holds).
    expect(path.dirname(artifact)).toBe(json(await s.run(['layer', 'show', 'spaced', '--json'])).versions[0].repository.dir);
    expectOk(await s.run(['layer', 'version', 'add', 'spaced', '--version', '2', '--wait']));
    expectOk(await s.run(['layer', 'version', 'remove', 'spaced', '--version', '1 beta', '--yes']));
    expect(await exists(path.dirname(artifact))).toBe(false);
  });
});

describe('layer remove', () => {
  test('without a terminal and without --yes: exit 2 naming --yes, nothing removed', async () => {
    await createLayer(s, 'keep');
    await expectRefused(s, ['layer', 'remove', 'keep'], /pass --yes/);
    await expectRefused(s, ['layer', 'remove', 'keep', '--json'], /pass --yes/);
  });

  test('refused (exit 5) while a task of the layer is interrupted, naming task cancel', async () => {
    // A worker that died mid-task leaves it Running with no live worker.
    const file = path.join(s.home, 'state.json');
    const state = await readState(s.home);
    const layer = state.layers.find((l: { name: string }) => l.name === 'keep');
    const task = state.tasks.find((t: { id: string }) => t.id === layer.versions[0].createTaskId);
    task.state = 'Running';
    await fs.writeFile(file, JSON.stringify(state, null, 2));
    await expectRefused(s, ['layer', 'remove', 'keep', '--yes'], new RegExp(`task ${task.id} \\(CreatePackagingDisk\\) was interrupted.*elm task cancel ${task.id}`), { code: 5 });
    await expectRefused(s, ['layer', 'version', 'remove', 'keep', '--version', '1', '--yes'], /was interrupted/, { code: 5 });
    task.state = 'ActionRequired';
    await fs.writeFile(file, JSON.stringify(state, null, 2));
  });

  test('--yes removes the layer and its packaging disk', async () => {
    const disk = (await diskStatus(s, 'keep')).disk.location;
    const r = await s.run(['layer', 'remove', 'keep', '--yes']);
    expectOk(r);
    expect(r.stderr).toMatch(/Removed layer "keep" \(1\)/);
    expect(await exists(disk)).toBe(false);
    expect(json(await s.run(['layer', 'list', '--json'])).map((l: { name: string }) => l.name)).not.toContain('keep');
  });

  test('on a terminal it asks; "no" removes nothing (exit 1, not a cancel), "yes" removes', async () => {
    await createLayer(s, 'asked');
    const before = await stateBytes(s.home);
    const no = new PtySession(['layer', 'remove', 'asked'], { ELM_HOME: s.home });
    try {
      await no.waitFor(/Remove layer "asked" with version 1 and their disks\? This cannot be undone/);
      await no.answer('n');
      expect((await no.exit).exitCode).toBe(1);
    } finally {
      no.kill();
    }
    expect((await stateBytes(s.home))?.equals(before!)).toBe(true);
    const yes = new PtySession(['layer', 'remove', 'asked'], { ELM_HOME: s.home });
    try {
      await yes.waitFor(/Remove layer "asked"/);
      await yes.answer('y');
      expect((await yes.exit).exitCode).toBe(0);
    } finally {
      yes.kill();
    }
    expect((await readState(s.home)).layers.map((l: { name: string }) => l.name)).not.toContain('asked');
  });

  test('unknown layer: exit 2', () => expectRefused(s, ['layer', 'remove', 'nope', '--yes'], /No layer named "nope"/));
});

describe('os-layer remove and os-layer version remove', () => {
  test('refused (exit 3) while a layer version is bound to it, naming it', async () => {
    await expectRefused(s, ['os-layer', 'remove', 'win', '--yes'], /Cannot remove OS layer "win": .*"two" 1.* use it; remove those layer versions first/, { code: 3 });
  });

  test('a version no layer is bound to is removed; its disk file stays (elm never copied it)', async () => {
    expectOk(await s.run(['os-layer', 'version', 'add', 'win', '--version', '2', '--disk', s.osDisk]));
    await expectRefused(s, ['os-layer', 'version', 'remove', 'win', '--version', '1', '--yes'], /OS layer "win" 1: .* uses? it/, { code: 3 });
    await expectRefused(s, ['os-layer', 'version', 'remove', 'win', '--version', '2'], /pass --yes/);
    const r = await s.run(['os-layer', 'version', 'remove', 'win', '--version', '2', '--yes']);
    expectOk(r);
    expect(r.stderr).toMatch(/Left in place: .*os\.raw/);
    expect(await exists(s.osDisk)).toBe(true);
    expect(json(await s.run(['os-layer', 'show', 'win', '--json'])).versions.map((v: { name: string }) => v.name)).toEqual(['1']);
  });

  test('an OS layer nothing uses is removed', async () => {
    expectOk(await s.run(['os-layer', 'import', '--name', 'spare', '--version', '1', '--disk', s.osDisk]));
    await expectRefused(s, ['os-layer', 'version', 'remove', 'spare', '--version', '1', '--yes'], /only version; remove the OS layer instead/);
    expectOk(await s.run(['os-layer', 'remove', 'spare', '--yes']));
    expect(json(await s.run(['os-layer', 'list', '--json'])).map((o: { name: string }) => o.name)).toEqual(['win']);
  });
});

describe('icon remove', () => {
  test('refused (exit 3) while a layer uses it; removed with its file once unused; built-ins refused', async () => {
    const png = path.join(s.dir, 'logo.png');
    await fs.writeFile(png, tinyPng());
    const icon = json(await s.run(['icon', 'import', png, '--name', 'logo', '--json']));
    await createLayer(s, 'iconic', ['--icon', icon.id]);
    await expectRefused(s, ['icon', 'remove', icon.id, '--yes'], /Cannot remove icon "logo" .*layer "iconic" uses it/, { code: 3 });
    await expectRefused(s, ['icon', 'remove', 'default', '--yes'], /built in and cannot be removed/);
    await expectRefused(s, ['icon', 'remove', 'nope', '--yes'], /No imported icon "nope"/);
    expectOk(await s.run(['layer', 'remove', 'iconic', '--yes']));
    expect(await exists(icon.file)).toBe(true);
    expectOk(await s.run(['icon', 'remove', 'logo', '--yes']));
    expect(await exists(icon.file)).toBe(false);
    expect(json(await s.run(['icon', 'list', '--json'])).map((i: { id: string }) => i.id)).not.toContain(icon.id);
  });
});

describe('connector remove', () => {
  test('refused (exit 3) while a Deployable layer would package its next version with it; --yes needed', async () => {
    await expectRefused(s, ['connector', 'remove', 'share', '--yes'], /"fin" 2.*uses? it/, { code: 3 });
    expectOk(await s.run(['connector', 'add', 'fileshare', '--name', 'spare', '--path', s.share]));
    await expectRefused(s, ['connector', 'remove', 'spare'], /pass --yes/);
    expectOk(await s.run(['connector', 'remove', 'spare', '--yes']));
  });
});
