/** elm layer list | show | version add, through the real binary. */
import path from 'node:path';
import { baseSetup, createLayer, expectOk, expectRefused, json, scratch, type Scratch } from '../support/e2e';

let s: Scratch;
beforeAll(async () => {
  s = await scratch();
  await baseSetup(s);
});
afterAll(() => s.cleanup());

describe('layer list and show', () => {
  test('an empty list is an empty JSON array, and a hint on stderr without --json', async () => {
    expect(json(await s.run(['layer', 'list', '--json']))).toEqual([]);
    const r = await s.run(['layer', 'list']);
    expectOk(r);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/No platform layers yet/);
  });

  test('show --json: versions with packagingDisk, audit with the Confirm-and-Complete comment', async () => {
    const created = await createLayer(s, 'app', ['--comment', 'Created for the VDA 2402 rollout', '--version-description', 'v1 of app']);
    const show = json(await s.run(['layer', 'show', 'app', '--json']));
    expect(show).toMatchObject({
      id: created.layer.id,
      name: 'app',
      versions: [
        {
          name: '1',
          state: 'Editing',
          description: 'v1 of app',
          packagingDisk: { name: 'app', format: 'vhd', location: path.join(s.share, 'app.vhd') },
        },
      ],
      audit: [{ action: 'Create Layer', comment: 'Created for the VDA 2402 rollout', user: expect.any(String), at: expect.any(String) }],
    });
    expect(Number.isNaN(Date.parse(show.audit[0].at))).toBe(false);
    // By id as well as by name.
    expect(json(await s.run(['layer', 'show', created.layer.id, '--json'])).name).toBe('app');
  });

  test('ELM_USER names the operator in the audit history', async () => {
    const r = await s.run(['layer', 'create', '--name', 'by-user', '--version', '1', '--os-layer', 'win', '--connector', 'share', '--hypervisor', 'xenserver', '--wait', '--json'], {
      env: { ELM_USER: 'jdoe' },
    });
    expectOk(r);
    expect(json(await s.run(['layer', 'show', 'by-user', '--json'])).audit[0].user).toBe('jdoe');
  });

  test('a publishing platform layer records its provisioning service and broker', async () => {
    await createLayer(s, 'publish', ['--purpose', 'publishing', '--hypervisor', 'azure', '--provisioning', 'mcs', '--broker', 'xendesktop']);
    const v = json(await s.run(['layer', 'show', 'publish', '--json'])).versions[0];
    expect(v.platform).toEqual({ purpose: 'publishing', hypervisor: 'azure', provisioning: 'mcs', broker: 'xendesktop' });
  });

  test('list --json is an array of {id, name, versions}', async () => {
    const list = json(await s.run(['layer', 'list', '--json']));
    expect(Array.isArray(list)).toBe(true);
    expect(list.map((l: { name: string }) => l.name)).toEqual(['app', 'by-user', 'publish']);
    for (const l of list) {
      expect(typeof l.id).toBe('string');
      expect(Array.isArray(l.versions)).toBe(true);
      expect(l.versions[0]).toMatchObject({ name: '1', state: 'Editing' });
    }
  });

  test('list and show as text: a table on stdout', async () => {
    const list = await s.run(['layer', 'list']);
    expectOk(list);
    expect(list.stdout).toMatch(/^ID\s+NAME\s+VERSIONS\s+NEWEST\s+STATE/);
    expect(list.stdout).toMatch(/\bapp\s+1\s+1\s+Editing/);
    const show = await s.run(['layer', 'show', 'app']);
    expectOk(show);
    expect(show.stdout).toContain('Audit History');
    expect(show.stdout).toContain('Created for the VDA 2402 rollout');
  });
});

describe('layer version add', () => {
  test('adds version 2 with its own packaging disk; the new version inherits OS layer and connector', async () => {
    const d = json(await s.run(['layer', 'version', 'add', 'app', '--version', '2', '--comment', 'second', '--wait', '--json']));
    expect(d).toMatchObject({
      layer: { name: 'app' },
      version: { name: '2', state: 'Editing' },
      task: { kind: 'CreatePackagingDisk', state: 'ActionRequired' },
    });
    expect(d.task.description).toContain(path.join(s.share, 'app-2.vhd'));
    const show = json(await s.run(['layer', 'show', 'app', '--json']));
    expect(show.versions.map((v: { name: string }) => v.name)).toEqual(['1', '2']);
    expect(show.versions[1]).toMatchObject({ osLayer: { name: 'win', version: '1' }, connector: 'share' });
    expect(show.audit.map((a: { action: string; comment: string }) => [a.action, a.comment])).toEqual([
      ['Create Layer', 'Created for the VDA 2402 rollout'],
      ['Add Version', 'second'],
    ]);
    // disk status without --version takes the newest version that is not Deployable.
    expect(json(await s.run(['disk', 'status', 'app', '--json'])).version.name).toBe('2');
    expect(json(await s.run(['disk', 'status', 'app', '--version', '1', '--json'])).disk.location).toBe(path.join(s.share, 'app.vhd'));
  });

  test('bad input: exit 2, one line, state unchanged', async () => {
    await expectRefused(s, ['layer', 'version', 'add', 'nope', '--version', '2'], /No layer named "nope"/);
    await expectRefused(s, ['layer', 'version', 'add', 'app', '--version', '1'], /Layer "app" already has a version "1"/);
    await expectRefused(s, ['layer', 'version', 'add', 'app'], /Missing --version: elm layer version add needs it/);
    await expectRefused(s, ['layer', 'version', 'add', 'app', '--version', 'bad/name'], /--version: Version must not contain "\/"/);
    await expectRefused(s, ['layer', 'version', 'add', 'app', '--version', '3', '--connector', 'nope'], /--connector: no connector named "nope"/);
  });
});

describe('layer show / disk status bad input: exit 2, one line, state unchanged', () => {
  test('unknown layer', async () => {
    await expectRefused(s, ['layer', 'show', 'nope'], /No layer named "nope" \(layers: app, by-user, publish\)/);
    await expectRefused(s, ['disk', 'status', 'nope'], /No layer named "nope"/);
  });
  test('unknown version', () => expectRefused(s, ['disk', 'status', 'app', '--version', '9'], /Layer "app" has no version "9" \(versions: 1, 2\)/));
  test('disk status without a layer when several are in progress', () => expectRefused(s, ['disk', 'status'], /Several layers have versions in progress/));
  test('show without a layer', () => expectRefused(s, ['layer', 'show'], /missing required argument 'layer'/i));
});
