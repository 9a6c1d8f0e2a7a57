/**
 * Bad input that is a path or a name that becomes one (issue 12, points 16-21), through the real
 * binary: exit 2 (or 1 for a full disk), one line naming the path and the fix, no hang, the state
 * unchanged and nothing left behind.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { pathSegment } from '../../src/domain/rules';
import { baseSetup, expectCode, expectOk, expectRefused, json, MiB, oneLine, scratch, stateBytes, tinyPng, type Scratch } from '../support/e2e';

let s: Scratch;
let fifo: string;
beforeAll(async () => {
  s = await scratch(16 * MiB, 'elm-badpaths-');
  await baseSetup(s);
  fifo = path.join(s.dir, 'pipe');
  execFileSync('mkfifo', [fifo]);
});
afterAll(() => s.cleanup());

const layerArgs = ['layer', 'create', '--version', '1', '--os-layer', 'win', '--connector', 'share', '--hypervisor', 'xenserver'];

describe('16: names that would leave their folder', () => {
  test.each(['.', '..'])('"%s" is refused as layer, version, OS layer and OS layer version name', async (name) => {
    await expectRefused(s, ['layer', 'create', '--name', name, ...layerArgs.slice(2)], /--name: Layer Name must not be "\.{1,2}"/);
    await expectRefused(s, ['layer', 'create', '--name', 'ok', '--version', name, '--os-layer', 'win', '--connector', 'share', '--hypervisor', 'xenserver'], /Version must not be "\.{1,2}"/);
    await expectRefused(s, ['os-layer', 'import', '--name', name, '--version', '1', '--disk', s.osDisk], /OS layer name must not be/);
    await expectRefused(s, ['os-layer', 'version', 'add', 'win', '--version', name, '--disk', s.osDisk], /Version must not be/);
  });

  test('a name is one path segment, distinct for distinct names, never leaving its folder', () => {
    const names = ['.', '..', '...', '1.0', '1%2E0', '%2E', 'a/b', 'a%2Fb', ' ', 'Ünï 版本'];
    const segments = names.map(pathSegment);
    expect(new Set(segments).size).toBe(names.length);
    for (const seg of segments) {
      expect(seg).not.toMatch(/[/\\]/);
      expect(seg).not.toMatch(/^\.+$/);
      expect(path.join('/repo', seg).startsWith('/repo/')).toBe(true);
    }
  });
});

describe('17: a FIFO or a device is refused at once, never read', () => {
  const quick = { timeoutMs: 20_000 };
  test('as a spec file', async () => {
    const r = await expectRefused(s, ['layer', 'create', '-f', fifo], /Spec file .*pipe is a FIFO \(named pipe\), not a regular file/);
    expect(r.signal).toBeNull();
  });
  test('as an icon', () => expectRefused(s, ['icon', 'import', fifo], /Icon file .*pipe is a FIFO/));
  test('as a report', async () => {
    await expectRefused(s, ['verify', 'nope', '--report', fifo], /No layer named "nope"|--report .*FIFO/);
  });
  test('as an OS disk', () => expectRefused(s, ['os-layer', 'import', '--name', 'f', '--version', '1', '--disk', fifo], /--disk .*pipe is not a file/));
  test('a character device as a spec', () => expectRefused(s, ['layer', 'create', '-f', '/dev/zero'], /Spec file \/dev\/zero is a device, not a regular file/));
  test('the refusal comes at once, not after a timeout', async () => {
    const started = Date.now();
    const r = await s.run(['icon', 'import', fifo], quick);
    expectCode(r, 2);
    expect(Date.now() - started).toBeLessThan(quick.timeoutMs);
  });
});

describe('18: spec values keep their text', () => {
  test('version: 1.10 stays "1.10"; maxSize is read as a number; an empty field is not given', async () => {
    const spec = path.join(s.dir, 'spec.yaml');
    await fs.writeFile(spec, 'name: Spec Layer\nversion: 1.10\nosLayer: win\nconnector: share\nhypervisor: xenserver\nmaxSize: 20\ndescription:\n');
    const doc = json(await s.run(['layer', 'create', '-f', spec, '--json', '--wait']));
    expect(doc.version.name).toBe('1.10');
    const show = json(await s.run(['layer', 'show', 'Spec Layer', '--json']));
    expect(show.versions[0]).toMatchObject({ name: '1.10' });
  });

  test('an unknown YAML tag: one line, no Node warning', async () => {
    const spec = path.join(s.dir, 'tagged.yaml');
    await fs.writeFile(spec, 'name: !!foo Tagged\nversion: "1"\n');
    const r = await expectRefused(s, ['layer', 'create', '-f', spec], /not valid YAML \(line 1\): Unresolved tag/);
    expect(r.stderr).not.toMatch(/Warning/);
  });

  test('a non-number maxSize is refused naming the field', async () => {
    const spec = path.join(s.dir, 'size.yaml');
    await fs.writeFile(spec, 'maxSize: big\n');
    await expectRefused(s, ['layer', 'create', '-f', spec], /maxSize must be a number of GiB/);
  });
});

describe('19: operating-system errors on paths are one line, exit 2', () => {
  test('ENOTDIR: a share path through a file', () =>
    expectRefused(s, ['connector', 'add', 'fileshare', '--name', 'x', '--path', path.join(s.osDisk, 'sub')], /os\.raw\/sub goes through a file as if it were a folder; give another path/));
  test('ELOOP: an icon that is a link loop', async () => {
    const loop = path.join(s.dir, 'loop.png');
    await fs.symlink(loop, loop);
    await expectRefused(s, ['icon', 'import', loop], /loop\.png is a loop of symbolic links/);
  });
  test('ENAMETOOLONG: a spec path too long for the system', () => expectRefused(s, ['layer', 'create', '-f', path.join(s.dir, 'a'.repeat(300))], /is too long a path for this system/));
  test('a home that is a file', async () => {
    const r = await s.run(['layer', 'list', '--home', s.osDisk]);
    expectCode(r, 2);
    expect(oneLine(r.stderr)).toBe(true);
    expect(r.stderr).toMatch(/os\.raw\/state\.json goes through a file as if it were a folder/);
  });
  test('an invalid URL', () => expectRefused(s, ['os-layer', 'import', '--name', 'u', '--version', '1', '--disk', 'https://[bad'], /--disk "https:\/\/\[bad" is not a URL with a host/));
  test.each([
    [['os-layer', 'import', '--name', 'e', '--version', '1', '--disk', ''], '--disk'],
    [['layer', 'create', '-f', ''], '--file'],
    [['connector', 'add', 'fileshare', '--name', 'e', '--path', ''], '--path'],
    [['layer', 'list', '--home', ''], '--home'],
  ])('an empty file flag: %j', (args, flag) => expectRefused(s, args, new RegExp(`${flag} is empty; give a path`)));
  test('a readable icon still imports (the checks refuse only what they should)', async () => {
    const icon = path.join(s.dir, 'ok.png');
    await fs.writeFile(icon, tinyPng());
    expectOk(await s.run(['icon', 'import', icon]));
  });
});

/** A small filesystem of our own (root only, as on CI): read-only, or filled to the last byte. */
function canMount(): boolean {
  if (process.getuid?.() !== 0) return false;
  return spawnSync('mount', ['--version']).status === 0;
}
const withMount: jest.It = canMount() ? test : test.skip;
if (!canMount()) console.warn('not root (or no mount): the read-only home and disk-full tests are skipped');

async function mountTmpfs(dir: string, options: string): Promise<() => void> {
  await fs.mkdir(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
  return () => execFileSync('umount', ['-l', dir]);
}

describe('19 and 20: a read-only home, a full disk', () => {
  withMount('a read-only home: exit 2 naming it, nothing written', async () => {
    const dir = path.join(s.dir, 'ro');
    const unmount = await mountTmpfs(dir, 'ro,size=1m');
    try {
      const r = await s.run(['connector', 'add', 'fileshare', '--name', 'ro', '--home', path.join(dir, 'home')]);
      expectCode(r, 2);
      expect(oneLine(r.stderr)).toBe(true);
      expect(r.stderr).toMatch(/ro\/home is on a read-only file system/);
    } finally {
      unmount();
    }
  });

  withMount('disk full while taking the lock: exit 1, one line, no lock or temp file left, state unchanged', async () => {
    const dir = path.join(s.dir, 'full');
    const unmount = await mountTmpfs(dir, 'size=256k');
    try {
      const home = path.join(dir, 'home');
      await fs.mkdir(home);
      await fs.copyFile(path.join(s.home, 'state.json'), path.join(home, 'state.json'));
      const before = await stateBytes(home);
      // Fill every remaining block.
      await fs.writeFile(path.join(dir, 'fill'), Buffer.alloc(1024 * 1024)).catch(() => undefined);
      const r = await s.run(['connector', 'add', 'fileshare', '--name', 'full', '--path', s.share, '--home', home]);
      expectCode(r, 1);
      expect(oneLine(r.stderr)).toBe(true);
      expect(r.stderr).toMatch(/No space left on the device/);
      expect((await fs.readdir(home)).sort()).toEqual(['state.json']);
      expect((await stateBytes(home))?.equals(before!)).toBe(true);
    } finally {
      unmount();
    }
  });
});
