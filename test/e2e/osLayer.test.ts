/** elm os-layer import | version add | list | show, through the real binary. */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { diskWithPartition, expectOk, expectRefused, json, MiB, scratch, withQemu, type Scratch } from '../support/e2e';

let s: Scratch;
beforeAll(async () => {
  s = await scratch(64 * MiB);
});
afterAll(() => s.cleanup());

describe('os-layer happy path', () => {
  test('import, version add, list, show', async () => {
    const imp = await s.run(['os-layer', 'import', '--name', 'win', '--version', '1', '--disk', s.osDisk, '--ipv6', 'disabled']);
    expectOk(imp);
    expect(imp.stdout).toBe('');
    expect(imp.stderr).toMatch(/Imported OS layer "win" version 1 \(raw, 64 MiB, IPv6 disabled, no partition table read, generation V1\)/);

    const add = json(await s.run(['os-layer', 'version', 'add', 'win', '--version', '2', '--disk', s.osDisk, '--json']));
    expect(add.versions.map((v: { name: string; ipv6: string }) => [v.name, v.ipv6])).toEqual([
      ['1', 'disabled'],
      ['2', 'enabled'], // the default
    ]);

    const list = json(await s.run(['os-layer', 'list', '--json']));
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ name: 'win' });
    expect(list[0].versions[0].disk).toEqual({ location: s.osDisk, format: 'raw', sizeBytes: 64 * MiB });

    const show = json(await s.run(['os-layer', 'show', 'win', '--json']));
    expect(show.versions).toHaveLength(2);
    const text = await s.run(['os-layer', 'show', 'win']);
    expectOk(text);
    expect(text.stdout).toContain(s.osDisk);
    expect(text.stdout).toMatch(/^2\s+enabled\s+raw\s+64 MiB\s+V1/m);
  });

  withQemu('imports a qcow2 OS disk with its virtual size (format from content, not the name)', async () => {
    const q = path.join(s.dir, 'os-disk.img'); // no telling extension
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', q, '32M']);
    const doc = json(await s.run(['os-layer', 'import', '--name', 'qc', '--version', '1', '--disk', q, '--json']));
    expect(doc.versions[0].disk).toEqual({ location: q, format: 'qcow2', sizeBytes: 32 * MiB });
  });
});

describe('os-layer boot generation from the disk', () => {
  test('a GPT disk (protective MBR) is generation V2, an MBR disk V1, --generation overrides', async () => {
    const gpt = path.join(s.dir, 'gpt.raw');
    const mbr = path.join(s.dir, 'mbr.raw');
    await diskWithPartition(gpt, 0xee);
    await diskWithPartition(mbr, 0x07); // NTFS
    const g = await s.run(['os-layer', 'import', '--name', 'w11', '--version', '1', '--disk', gpt]);
    expectOk(g);
    expect(g.stderr).toMatch(/GPT disk, generation V2/);
    const m = json(await s.run(['os-layer', 'version', 'add', 'w11', '--version', '2', '--disk', mbr, '--json']));
    expect(m.versions.map((v: { partitionStyle: string; generation: string }) => [v.partitionStyle, v.generation])).toEqual([
      ['gpt', 'V2'],
      ['mbr', 'V1'],
    ]);
    const forced = json(await s.run(['os-layer', 'version', 'add', 'w11', '--version', '3', '--disk', mbr, '--generation', 'v2', '--json']));
    expect(forced.versions[2]).toMatchObject({ partitionStyle: 'mbr', generation: 'V2' });
    // BIOS never boots a GPT disk: refused, on import and on a new version.
    await expectRefused(s, ['os-layer', 'version', 'add', 'w11', '--version', '4', '--disk', gpt, '--generation', 'v1'], /--generation V1 boots with BIOS, which cannot boot this GPT disk/);
    await expectRefused(s, ['os-layer', 'import', '--name', 'w11v1', '--version', '1', '--disk', gpt, '--generation', 'V1'], /--generation V1 boots with BIOS, which cannot boot this GPT disk.*leave out --generation/);
  });

  withQemu('reads the first sector through the format (a GPT disk inside a qcow2)', async () => {
    const gpt = path.join(s.dir, 'gpt-src.raw');
    await diskWithPartition(gpt, 0xee);
    const q = path.join(s.dir, 'gpt.qcow2');
    execFileSync('qemu-img', ['convert', '-q', '-f', 'raw', '-O', 'qcow2', gpt, q]);
    const doc = json(await s.run(['os-layer', 'import', '--name', 'qgpt', '--version', '1', '--disk', q, '--json']));
    expect(doc.versions[0]).toMatchObject({ partitionStyle: 'gpt', generation: 'V2' });
  });

  test('a bad --generation is refused before the disk is read', () =>
    expectRefused(s, ['os-layer', 'import', '--name', 'g', '--version', '1', '--disk', s.osDisk, '--generation', 'V3'], /--generation "V3" must be V1/));
});

describe('os-layer bad input: exit 2, one line, state unchanged', () => {
  test('a plain http:// disk URL', () =>
    expectRefused(s, ['os-layer', 'import', '--name', 'x', '--version', '1', '--disk', 'http://acct.blob.core.windows.net/os/w11.vhd'], /--disk http:\/\/\S+ is plain http .*give the https:\/\/ URL/));
  test('missing --disk', () => expectRefused(s, ['os-layer', 'import', '--name', 'x', '--version', '1'], /--disk/));
  test('missing --version', () => expectRefused(s, ['os-layer', 'import', '--name', 'x', '--disk', s.osDisk], /--version/));
  test('bad name', () => expectRefused(s, ['os-layer', 'import', '--name', 'w:2', '--version', '1', '--disk', s.osDisk], /--name: OS layer name must not contain ":"/));
  test('bad version name', () => expectRefused(s, ['os-layer', 'import', '--name', 'x', '--version', 'a|b', '--disk', s.osDisk], /--version: Version must not contain "\|"/));
  test('disk that does not exist', () =>
    expectRefused(s, ['os-layer', 'import', '--name', 'x', '--version', '1', '--disk', path.join(s.dir, 'nope.vhd')], /--disk .*nope\.vhd does not exist/));
  test('empty disk file', async () => {
    const empty = path.join(s.dir, 'empty.raw');
    await fs.writeFile(empty, '');
    await expectRefused(s, ['os-layer', 'import', '--name', 'x', '--version', '1', '--disk', empty], /--disk .* is empty/);
  });
  test('disk that is a folder', () => expectRefused(s, ['os-layer', 'import', '--name', 'x', '--version', '1', '--disk', s.share], /--disk .* is not a file/));
  test('blob URL with a SAS token', () =>
    expectRefused(s, ['os-layer', 'import', '--name', 'x', '--version', '1', '--disk', 'https://acct.blob.core.windows.net/c/os.vhd?sig=secret'], /must not carry a query/));
  test('bad --ipv6', () => expectRefused(s, ['os-layer', 'import', '--name', 'x', '--version', '1', '--disk', s.osDisk, '--ipv6', 'maybe'], /--ipv6 "maybe" must be enabled or disabled/));
  test('duplicate OS layer', () => expectRefused(s, ['os-layer', 'import', '--name', 'win', '--version', '9', '--disk', s.osDisk], /OS layer named "win" already exists/));
  test('version add to unknown OS layer', () => expectRefused(s, ['os-layer', 'version', 'add', 'nope', '--version', '2', '--disk', s.osDisk], /No OS layer named "nope"/));
  test('version add of an existing version', () => expectRefused(s, ['os-layer', 'version', 'add', 'win', '--version', '1', '--disk', s.osDisk], /already has a version "1"/));
  test('show unknown', () => expectRefused(s, ['os-layer', 'show', 'nope'], /No OS layer named "nope"/));
});

