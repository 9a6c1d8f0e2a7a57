/** elm connector add fileshare | list | show | test | remove, through the real binary. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { baseSetup, createLayer, expectOk, expectRefused, json, readState, scratch, type Scratch } from '../support/e2e';

let s: Scratch;
beforeAll(async () => {
  s = await scratch();
});
afterAll(() => s.cleanup());

describe('connector happy path', () => {
  test('add fileshare, list, show, test, remove', async () => {
    const add = await s.run(['connector', 'add', 'fileshare', '--name', 'share', '--path', s.share]);
    expectOk(add);
    expect(add.stdout).toBe(''); // a message, not data
    expect(add.stderr).toMatch(/Added fileshare connector "share"/);

    // Without --path the default share under the home is used.
    const dflt = json(await s.run(['connector', 'add', 'fileshare', '--name', 'local', '--json']));
    expect(dflt).toMatchObject({ name: 'local', type: 'fileshare', path: path.join(s.home, 'share') });

    const list = json(await s.run(['connector', 'list', '--json']));
    expect(Array.isArray(list)).toBe(true);
    expect(list.map((c: { name: string }) => c.name)).toEqual(['share', 'local']);
    expect(list[0]).toMatchObject({ name: 'share', type: 'fileshare', path: s.share });

    const table = await s.run(['connector', 'list']);
    expectOk(table);
    expect(table.stdout).toMatch(/^NAME\s+TYPE\s+WHERE/);
    expect(table.stdout).toContain(s.share);

    const show = json(await s.run(['connector', 'show', 'share', '--json']));
    expect(show).toMatchObject({ name: 'share', type: 'fileshare', path: s.share });
    const showText = await s.run(['connector', 'show', 'share']);
    expectOk(showText);
    expect(showText.stdout).toMatch(/used by\s+\(no layer version\)/);

    const t = json(await s.run(['connector', 'test', 'share', '--json']));
    expect(t.ok).toBe(true);
    expect(t.checks.map((c: { name: string }) => c.name)).toEqual(expect.arrayContaining(['share folder', 'writable', 'free space']));
    const tText = await s.run(['connector', 'test', 'share']);
    expectOk(tText);
    expect(tText.stdout).toMatch(/✓ writable/);
    expect(tText.stderr).toMatch(/Connector "share" works/);

    const rm = await s.run(['connector', 'remove', 'local', '--yes']);
    expectOk(rm);
    expect(json(await s.run(['connector', 'list', '--json'])).map((c: { name: string }) => c.name)).toEqual(['share']);
  });

  test('connector test fails (exit 1) when the share is not a writable folder', async () => {
    const file = path.join(s.dir, 'not-a-folder');
    await fs.writeFile(file, 'x');
    // Record it while it is still a folder, then replace it by a file.
    const dir = path.join(s.dir, 'gone');
    await fs.mkdir(dir);
    expectOk(await s.run(['connector', 'add', 'fileshare', '--name', 'gone', '--path', dir]));
    await fs.rm(dir, { recursive: true });
    await fs.writeFile(dir, 'now a file');
    const r = await s.run(['connector', 'test', 'gone', '--json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.ok).toBe(false);
    expectOk(await s.run(['connector', 'remove', 'gone', '--yes']));
  });
});

describe('connector bad input: exit 2, one line, state unchanged', () => {
  test('missing --name', () => expectRefused(s, ['connector', 'add', 'fileshare', '--path', s.share], /--name/));
  test('bad name', () => expectRefused(s, ['connector', 'add', 'fileshare', '--name', 'a/b', '--path', s.share], /--name: Connector name must not contain "\/"/));
  test('name of spaces', () => expectRefused(s, ['connector', 'add', 'fileshare', '--name', '  '], /--name: Connector name is required/));
  test('duplicate name', () => expectRefused(s, ['connector', 'add', 'fileshare', '--name', 'share', '--path', s.share], /connector named "share" already exists/));
  test('--path whose parent does not exist', () =>
    expectRefused(s, ['connector', 'add', 'fileshare', '--name', 'x', '--path', path.join(s.dir, 'no', 'such', 'dir')], /--path .*parent folder .* does not exist/));
  test('--path that is a file', async () => {
    const f = path.join(s.dir, 'plain-file');
    await fs.writeFile(f, 'x');
    await expectRefused(s, ['connector', 'add', 'fileshare', '--name', 'x', '--path', f], /--path .* is a file, not a folder/);
  });
  test('unknown connector type', () => expectRefused(s, ['connector', 'add', 'ftp', '--name', 'x'], /ftp/));
  test('show unknown', () => expectRefused(s, ['connector', 'show', 'nope'], /No connector named "nope"/));
  test('test unknown', () => expectRefused(s, ['connector', 'test', 'nope'], /No connector named "nope"/));
  test('remove unknown', () => expectRefused(s, ['connector', 'remove', 'nope'], /No connector named "nope"/));
  test('show without a name', () => expectRefused(s, ['connector', 'show'], /missing required argument 'name'/i));
});

describe('connector remove refuses while a layer version needs it', () => {
  let t: Scratch;
  beforeAll(async () => {
    t = await scratch();
    await baseSetup(t);
    await createLayer(t, 'app');
  });
  afterAll(() => t.cleanup());

  test('exit 3 naming the layer version, state unchanged', async () => {
    await expectRefused(t, ['connector', 'remove', 'share', '--yes'], /Cannot remove connector "share": "app" 1 uses it/, { code: 3 });
    const state = await readState(t.home);
    expect(state.connectors.map((c: { name: string }) => c.name)).toEqual(['share']);
  });
});
