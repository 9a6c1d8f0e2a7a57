/**
 * os-layer import checks the disk is a real image of the format it claims: damaged, cut-off and
 * fake images, and files that are no disk, are refused (exit 2, one line, state unchanged); every
 * good format still imports.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { buildFixedVhdFooter } from '../../src/disk/vhd';
import { baseSetup, expectOk, expectRefused, hasQemuImg, MiB, ROOT, scratch, tinyPng, withQemu, type Scratch } from '../support/e2e';

jest.setTimeout(120_000);

let s: Scratch;
beforeAll(async () => {
  s = await scratch(8 * MiB);
  await baseSetup(s);
});
afterAll(() => s.cleanup());

const importDisk = (name: string, disk: string) => ['os-layer', 'import', '--name', name, '--version', '1', '--disk', disk];

/** 4 MiB of data with a fixed VHD footer after it. */
async function fixedVhd(file: string): Promise<void> {
  const data = Buffer.alloc(4 * MiB);
  data.write('boot', 0);
  await fs.writeFile(file, Buffer.concat([data, buildFixedVhdFooter({ sizeBytes: 4 * MiB })]));
}

describe('refused: exit 2, one line naming the file and the damage', () => {
  test('a fixed VHD cut off (its footer gone)', async () => {
    const f = path.join(s.dir, 'cut.vhd');
    await fixedVhd(f);
    await fs.truncate(f, 2 * MiB);
    await expectRefused(s, importDisk('cut', f), /cut\.vhd is not a usable disk image: its name says vhd but its content is no known disk format \(a VHD ends with a 512-byte footer: is the file cut off\?\)/);
  });

  withQemu('a dynamic VHD cut off (the footer copy at its end gone)', async () => {
    const f = path.join(s.dir, 'dyn-cut.vhd');
    execFileSync('qemu-img', ['create', '-q', '-f', 'vpc', '-o', 'subformat=dynamic', f, '8M']);
    const st = await fs.stat(f);
    await fs.truncate(f, st.size - 512);
    await expectRefused(s, importDisk('dyncut', f), /dyn-cut\.vhd is not a usable disk image: the VHD footer at its end is missing or damaged/);
  });

  test('a VHD footer with a bad checksum', async () => {
    const f = path.join(s.dir, 'badsum.vhd');
    await fixedVhd(f);
    const fh = await fs.open(f, 'r+');
    await fh.write(Buffer.from([0xaa]), 0, 1, 4 * MiB + 100); // a byte of the footer's unique id
    await fh.close();
    await expectRefused(s, importDisk('badsum', f), /badsum\.vhd is not a usable disk image: its VHD footer is damaged \(bad checksum\)/);
  });

  test('a bare VHD footer (512 bytes, no data)', async () => {
    const f = path.join(s.dir, 'bare.vhd');
    await fs.writeFile(f, buildFixedVhdFooter({ sizeBytes: 4 * MiB }));
    await expectRefused(s, importDisk('bare', f), /bare\.vhd is not a usable disk image: it is a bare VHD footer with no disk data/);
  });

  test('a fake qcow2 header (the magic, then nothing that makes sense)', async () => {
    const f = path.join(s.dir, 'fake.qcow2');
    const b = Buffer.alloc(MiB);
    b.write('QFI\xfb', 0, 'latin1');
    b.writeUInt32BE(3, 4); // a plausible version…
    b.writeUInt32BE(16, 20); // …and cluster size, but no tables
    b.writeBigUInt64BE(BigInt(8 * MiB), 24);
    await fs.writeFile(f, b);
    await expectRefused(s, importDisk('fakeq', f), /fake\.qcow2 is not a usable disk image: its qcow2 tables lie outside the file/);
    b.writeUInt32BE(0, 4);
    await fs.writeFile(f, b);
    await expectRefused(s, importDisk('fakeq', f), /its qcow2 header says version 0/);
  });

  test('a VMDK descriptor without extents, and one whose extent file is missing', async () => {
    const f = path.join(s.dir, 'empty.vmdk');
    await fs.writeFile(f, '# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType="monolithicFlat"\n\n# Extent description\n\n# The Disk Data Base\n');
    await expectRefused(s, importDisk('novmdk', f), /empty\.vmdk is not a usable disk image: its VMDK descriptor lists no extents/);
    await fs.writeFile(f, '# Disk DescriptorFile\nversion=1\ncreateType="monolithicFlat"\n\n# Extent description\nRW 16384 FLAT "gone-flat.vmdk" 0\n');
    await expectRefused(s, importDisk('novmdk', f), /names the extent gone-flat\.vmdk, which is not beside it/);
  });

  test('files that are no disk: text, a PNG, a ZIP archive', async () => {
    const text = path.join(s.dir, 'notes.img');
    await fs.writeFile(text, 'not a disk\n'.repeat(512).slice(0, 4096));
    await expectRefused(s, importDisk('text', text), /notes\.img is not a usable disk image: it is a text file/);
    const png = path.join(s.dir, 'picture.img');
    const p = tinyPng();
    await fs.writeFile(png, Buffer.concat([p, Buffer.alloc(1024 - p.length)]));
    await expectRefused(s, importDisk('png', png), /it is a PNG image/);
    const zip = path.join(s.dir, 'archive.img');
    await fs.writeFile(zip, Buffer.concat([Buffer.from('504b0304', 'hex'), Buffer.alloc(2044)]));
    await expectRefused(s, importDisk('zip', zip), /it is a ZIP archive/);
  });

  test('a raw file that is not whole 512-byte sectors', async () => {
    const f = path.join(s.dir, 'odd.raw');
    await fs.writeFile(f, Buffer.alloc(1000, 1));
    await expectRefused(s, importDisk('odd', f), /odd\.raw is not a usable disk image: a raw disk is whole 512-byte sectors, and 1000 bytes is not/);
  });
});

describe('accepted: every good format still imports', () => {
  test('a fixed VHD elm can read', async () => {
    const f = path.join(s.dir, 'good.vhd');
    await fixedVhd(f);
    expectOk(await s.run(importDisk('goodvhd', f)));
  });

  (hasQemuImg ? test : test.skip)('each image the fixture script makes', async () => {
    const images = path.join(s.dir, 'images');
    execFileSync('sh', [path.join(ROOT, 'fixtures/disk/make-images.sh'), images, '8M']);
    for (const file of ['disk.raw', 'fixed.vhd', 'dynamic.vhd', 'disk.vhdx', 'disk.qcow2', 'sparse.vmdk', 'flat.vmdk', 'stream.vmdk']) {
      const r = await s.run(importDisk(`good-${file.replace('.', '-')}`, path.join(images, file)));
      if (r.code !== 0) throw new Error(`${file}: ${r.stderr}`);
    }
  });
});
